/* A tiny window-and-rectangles binding to GLFW 3 and OpenGL 1.1 for src/main.weir: one window,
 * coordinates in pixels with (0, 0) at the top left, Escape or closing the window quits. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <GLFW/glfw3.h>

static GLFWwindow *window;

static void on_error(int code, const char *message) {
    fprintf(stderr, "glfw error %d: %s\n", code, message);
}

static void on_key(GLFWwindow *w, int key, int scancode, int action, int mods) {
    (void)scancode;
    (void)mods;
    if (key == GLFW_KEY_ESCAPE && action == GLFW_PRESS) {
        glfwSetWindowShouldClose(w, GLFW_TRUE);
    }
}

/* Opens the window; false when there is no display or no OpenGL. */
bool gfx_open(int32_t width, int32_t height, const char *title) {
    glfwSetErrorCallback(on_error);
    if (!glfwInit()) {
        return false;
    }
    window = glfwCreateWindow(width, height, title, NULL, NULL);
    if (window == NULL) {
        glfwTerminate();
        return false;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);
    glfwSetKeyCallback(window, on_key);
    return true;
}

bool gfx_running(void) {
    return window != NULL && !glfwWindowShouldClose(window);
}

/* Seconds since the window was opened. */
double gfx_time(void) {
    return glfwGetTime();
}

/* Starts a frame: clears the window to the colour (r, g, b), each in [0, 1]. */
void gfx_begin(double r, double g, double b) {
    int w, h;
    glfwGetFramebufferSize(window, &w, &h);
    int ww, wh;
    glfwGetWindowSize(window, &ww, &wh);
    glViewport(0, 0, w, h);
    glMatrixMode(GL_PROJECTION);
    glLoadIdentity();
    glOrtho(0.0, ww, wh, 0.0, -1.0, 1.0);
    glMatrixMode(GL_MODELVIEW);
    glLoadIdentity();
    glClearColor((float)r, (float)g, (float)b, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
}

/* Fills the rectangle at (x, y) of size w x h (pixels) with the colour (r, g, b). */
void gfx_rect(double x, double y, double w, double h, double r, double g, double b) {
    glColor3d(r, g, b);
    glBegin(GL_QUADS);
    glVertex2d(x, y);
    glVertex2d(x + w, y);
    glVertex2d(x + w, y + h);
    glVertex2d(x, y + h);
    glEnd();
}

/* Ends a frame: shows it and handles window events. */
void gfx_end(void) {
    glfwSwapBuffers(window);
    glfwPollEvents();
}

void gfx_close(void) {
    if (window != NULL) {
        glfwDestroyWindow(window);
        window = NULL;
    }
    glfwTerminate();
}
