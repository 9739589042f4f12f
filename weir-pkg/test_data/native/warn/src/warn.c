int warn(void) {
    int unused_variable;
    return 3;
}
