//! Erlang C and Erlang A staffing: agents needed for a service-level target.
//! (Being written.)
