//! postflow-web (being written)
