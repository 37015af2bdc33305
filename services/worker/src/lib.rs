//! # capstone-worker (being built)
