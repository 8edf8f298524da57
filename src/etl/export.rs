//! Export (placeholder until written below).
