//! Python bindings of Tierwise: conversion and error mapping only; every
//! decision is made in the `tierwise` core crate.
