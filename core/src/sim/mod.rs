//! Staffing simulation: a discrete-event host that drives the real routing
//! engine with simulated traffic. (Being written.)
