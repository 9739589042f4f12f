#ifndef MYLIB_H
#define MYLIB_H

#define MYLIB_SCALE 2

int mylib_add(int a, int b);
int mylib_scaled(int x);

#endif
