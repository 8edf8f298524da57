//! API import (placeholder until written below).
