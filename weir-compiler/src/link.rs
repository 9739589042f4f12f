//! Linking: merging the checked modules of a program into one `tir::Program` (in progress).
