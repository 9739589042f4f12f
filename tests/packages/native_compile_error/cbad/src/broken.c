/* broken.c -- does not compile: a missing semicolon */

int answer(void) {
    return 42
}
