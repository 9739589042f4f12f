/* weir-gl's native side: one GLFW window with a legacy (fixed-function) OpenGL context, pixel
 * coordinates with the origin at the top left, filled rectangles, a built-in 5x7 bitmap font, a
 * queue of key presses, and screenshots. lib.weir binds the `weir_gl_*` functions below.
 *
 * All state is in statics: there is at most one window. Every function is safe to call when no
 * window is open (it does nothing, or returns false / -1 / 0).
 *
 * Screenshots: a frame is a clear colour plus a list of rectangles (text is drawn as rectangles
 * too), and the current frame's list is recorded as it is drawn. While a frame is being drawn
 * (between begin and end), `weir_gl_screenshot` reads the back buffer drawn so far. After
 * `weir_gl_end_frame` the back buffer's contents are undefined (it was swapped), so the screenshot
 * replays the recorded list into the back buffer, without swapping, and reads that. Nothing
 * depends on vsync (swap interval 0) or on the front buffer, so screenshots under Xvfb are
 * deterministic, and a frame costs no read-back unless a screenshot is taken. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <GLFW/glfw3.h>

#include "image.h"

static GLFWwindow *window;
static int win_width, win_height; /* the size asked for: the coordinate system */
static double start_time;         /* glfwGetTime() when the window opened */
static bool in_frame;             /* between begin_frame and end_frame */

/* The current (or last finished) frame: its clear colour and its rectangles, in drawing order. */
struct rect {
    int32_t x0, y0, x1, y1;
    int64_t rgb;
};
static bool have_frame; /* begin_frame was called since the window opened */
static int64_t frame_clear;
static struct rect *frame_rects;
static size_t frame_len, frame_cap;

/* Key presses and repeats, oldest first; when full, new keys are dropped. */
#define KEY_QUEUE_SIZE 256
static int key_queue[KEY_QUEUE_SIZE];
static int key_head, key_count;

static void on_error(int code, const char *message) {
    fprintf(stderr, "weir-gl: GLFW error %d: %s\n", code, message);
}

static void on_key(GLFWwindow *w, int key, int scancode, int action, int mods) {
    (void)w;
    (void)scancode;
    (void)mods;
    if ((action == GLFW_PRESS || action == GLFW_REPEAT) && key != GLFW_KEY_UNKNOWN &&
        key_count < KEY_QUEUE_SIZE) {
        key_queue[(key_head + key_count) % KEY_QUEUE_SIZE] = key;
        key_count++;
    }
}

static void set_color(int64_t rgb) {
    glColor3ub((GLubyte)(rgb >> 16), (GLubyte)(rgb >> 8), (GLubyte)rgb);
}

/* Sets up pixel coordinates and clears the back buffer to `rgb`. */
static void clear_frame(int64_t rgb) {
    int fb_width, fb_height;
    glfwGetFramebufferSize(window, &fb_width, &fb_height);
    glViewport(0, 0, fb_width, fb_height);
    glMatrixMode(GL_PROJECTION);
    glLoadIdentity();
    /* Pixel (x, y) of the window is the unit square [x, x+1] x [y, y+1], y growing downwards. */
    glOrtho(0.0, win_width, win_height, 0.0, -1.0, 1.0);
    glMatrixMode(GL_MODELVIEW);
    glLoadIdentity();
    glClearColor((float)((rgb >> 16) & 0xFF) / 255.0f, (float)((rgb >> 8) & 0xFF) / 255.0f,
                 (float)(rgb & 0xFF) / 255.0f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
}

/* Draws the rectangle [x0, x1) x [y0, y1) and records it in the frame. */
static void emit_rect(int32_t x0, int32_t y0, int32_t x1, int32_t y1, int64_t rgb) {
    set_color(rgb);
    glRecti(x0, y0, x1, y1);
    if (!in_frame) {
        return; /* drawn outside a frame: not part of any frame */
    }
    if (frame_len == frame_cap) {
        size_t cap = frame_cap == 0 ? 256 : frame_cap * 2;
        struct rect *grown = realloc(frame_rects, cap * sizeof *grown);
        if (grown == NULL) {
            return; /* out of memory: the screenshot will miss this rectangle */
        }
        frame_rects = grown;
        frame_cap = cap;
    }
    frame_rects[frame_len++] = (struct rect){x0, y0, x1, y1, rgb};
}

/* ---- window ------------------------------------------------------------------------------- */

bool weir_gl_open(int32_t width, int32_t height, const char *title) {
    if (window != NULL) {
        return true;
    }
    if (width <= 0 || height <= 0) {
        return false;
    }
    glfwSetErrorCallback(on_error);
    if (!glfwInit()) {
        return false;
    }
    glfwDefaultWindowHints();
    glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    glfwWindowHint(GLFW_SAMPLES, 0);
    glfwWindowHint(GLFW_DOUBLEBUFFER, GLFW_TRUE);
    window = glfwCreateWindow(width, height, title, NULL, NULL);
    if (window == NULL) {
        glfwTerminate();
        return false;
    }
    win_width = width;
    win_height = height;
    glfwMakeContextCurrent(window);
    glfwSwapInterval(0);
    glfwSetKeyCallback(window, on_key);
    glDisable(GL_DITHER);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_BLEND);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    key_head = key_count = 0;
    have_frame = in_frame = false;
    start_time = glfwGetTime();
    return true;
}

bool weir_gl_is_open(void) {
    return window != NULL && !glfwWindowShouldClose(window);
}

void weir_gl_close(void) {
    if (window == NULL) {
        return;
    }
    glfwDestroyWindow(window);
    window = NULL;
    glfwTerminate();
    free(frame_rects);
    frame_rects = NULL;
    frame_len = frame_cap = 0;
    have_frame = in_frame = false;
}

int64_t weir_gl_time_ms(void) {
    if (window == NULL) {
        return 0;
    }
    return (int64_t)((glfwGetTime() - start_time) * 1000.0);
}

int32_t weir_gl_next_key(void) {
    if (key_count == 0) {
        return -1;
    }
    int key = key_queue[key_head];
    key_head = (key_head + 1) % KEY_QUEUE_SIZE;
    key_count--;
    return key;
}

/* ---- frames ------------------------------------------------------------------------------- */

void weir_gl_begin_frame(int64_t rgb) {
    if (window == NULL) {
        return;
    }
    clear_frame(rgb);
    frame_clear = rgb;
    frame_len = 0;
    have_frame = in_frame = true;
}

void weir_gl_fill_rect(int32_t x, int32_t y, int32_t w, int32_t h, int64_t rgb) {
    if (window == NULL || w <= 0 || h <= 0) {
        return;
    }
    emit_rect(x, y, x + w, y + h, rgb);
}

/* Reads the current back buffer into a new RGB buffer, rows top to bottom. */
static uint8_t *read_back_buffer(int *width, int *height) {
    int w, h;
    glfwGetFramebufferSize(window, &w, &h);
    if (w <= 0 || h <= 0) {
        return NULL;
    }
    uint8_t *rgba = malloc((size_t)w * (size_t)h * 4);
    uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
    if (rgba == NULL || rgb == NULL) {
        free(rgba);
        free(rgb);
        return NULL;
    }
    glFinish();
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    /* OpenGL's rows go bottom to top: flip them while dropping alpha. */
    for (int y = 0; y < h; y++) {
        const uint8_t *src = rgba + (size_t)(h - 1 - y) * (size_t)w * 4;
        uint8_t *dst = rgb + (size_t)y * (size_t)w * 3;
        for (int x = 0; x < w; x++) {
            dst[3 * x] = src[4 * x];
            dst[3 * x + 1] = src[4 * x + 1];
            dst[3 * x + 2] = src[4 * x + 2];
        }
    }
    free(rgba);
    *width = w;
    *height = h;
    return rgb;
}

void weir_gl_end_frame(void) {
    if (window == NULL) {
        return;
    }
    in_frame = false;
    glfwSwapBuffers(window);
    glfwPollEvents();
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m) {
        return false;
    }
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != suffix[i]) {
            return false;
        }
    }
    return true;
}

bool weir_gl_screenshot(const char *path) {
    if (window == NULL || !have_frame) {
        return false;
    }
    if (!in_frame) {
        /* The last frame was swapped away: draw it again (not shown, as nothing is swapped). */
        clear_frame(frame_clear);
        for (size_t i = 0; i < frame_len; i++) {
            set_color(frame_rects[i].rgb);
            glRecti(frame_rects[i].x0, frame_rects[i].y0, frame_rects[i].x1, frame_rects[i].y1);
        }
    }
    int w, h;
    uint8_t *rgb = read_back_buffer(&w, &h);
    if (rgb == NULL) {
        return false;
    }
    bool ok = ends_with(path, ".png") ? weir_gl_write_png(path, rgb, w, h)
                                      : weir_gl_write_ppm(path, rgb, w, h);
    free(rgb);
    return ok;
}

/* ---- text --------------------------------------------------------------------------------- */

/* 5x7 glyphs, one byte per row from the top, bit 4 = leftmost column. Lower-case letters use
 * the upper-case glyphs; a character without a glyph is drawn as a hollow box. */
#define GLYPH_W 5
#define GLYPH_H 7
#define ADVANCE 6     /* glyph width + 1 column of spacing */
#define LINE_ADVANCE 9 /* glyph height + 2 rows of spacing */

static const uint8_t font[96][GLYPH_H] = {
    ['!' - 32] = {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04},
    ['"' - 32] = {0x0A, 0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00},
    ['#' - 32] = {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A},
    ['%' - 32] = {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03},
    ['\'' - 32] = {0x0C, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00},
    ['(' - 32] = {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02},
    [')' - 32] = {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08},
    ['*' - 32] = {0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00},
    ['+' - 32] = {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00},
    [',' - 32] = {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08},
    ['-' - 32] = {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00},
    ['.' - 32] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C},
    ['/' - 32] = {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00},
    ['0' - 32] = {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E},
    ['1' - 32] = {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
    ['2' - 32] = {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F},
    ['3' - 32] = {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
    ['4' - 32] = {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02},
    ['5' - 32] = {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
    ['6' - 32] = {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E},
    ['7' - 32] = {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    ['8' - 32] = {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E},
    ['9' - 32] = {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
    [':' - 32] = {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00},
    [';' - 32] = {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x04, 0x08},
    ['<' - 32] = {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02},
    ['=' - 32] = {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00},
    ['>' - 32] = {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08},
    ['?' - 32] = {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04},
    ['A' - 32] = {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11},
    ['B' - 32] = {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E},
    ['C' - 32] = {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E},
    ['D' - 32] = {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C},
    ['E' - 32] = {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F},
    ['F' - 32] = {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10},
    ['G' - 32] = {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F},
    ['H' - 32] = {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},
    ['I' - 32] = {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E},
    ['J' - 32] = {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},
    ['K' - 32] = {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11},
    ['L' - 32] = {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F},
    ['M' - 32] = {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11},
    ['N' - 32] = {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},
    ['O' - 32] = {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},
    ['P' - 32] = {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10},
    ['Q' - 32] = {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D},
    ['R' - 32] = {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11},
    ['S' - 32] = {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E},
    ['T' - 32] = {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},
    ['U' - 32] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},
    ['V' - 32] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04},
    ['W' - 32] = {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A},
    ['X' - 32] = {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11},
    ['Y' - 32] = {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04},
    ['Z' - 32] = {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F},
    ['[' - 32] = {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E},
    [']' - 32] = {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E},
    ['_' - 32] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F},
};

static const uint8_t unknown_glyph[GLYPH_H] = {0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F};
static const uint8_t blank_glyph[GLYPH_H] = {0};

static const uint8_t *glyph(unsigned char c) {
    if (c >= 'a' && c <= 'z') {
        c = (unsigned char)(c - 'a' + 'A');
    }
    if (c == ' ') {
        return blank_glyph;
    }
    if (c > 32 && c < 128) {
        const uint8_t *g = font[c - 32];
        for (int row = 0; row < GLYPH_H; row++) {
            if (g[row] != 0) {
                return g;
            }
        }
    }
    return unknown_glyph;
}

/* Characters of a line: bytes, except that a UTF-8 sequence counts (and draws) as one. */
static bool starts_char(unsigned char c) {
    return (c & 0xC0) != 0x80;
}

int32_t weir_gl_text_width(const char *text, int32_t scale) {
    if (scale <= 0) {
        return 0;
    }
    int widest = 0, chars = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        if (*p == '\n' || *p == 0) {
            int w = chars > 0 ? (chars * ADVANCE - 1) * scale : 0;
            widest = w > widest ? w : widest;
            chars = 0;
            if (*p == 0) {
                break;
            }
        } else if (starts_char(*p)) {
            chars++;
        }
    }
    return widest;
}

void weir_gl_draw_text(int32_t x, int32_t y, int32_t scale, const char *text, int64_t rgb) {
    if (window == NULL || scale <= 0) {
        return;
    }
    int cx = x, cy = y;
    for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++) {
        if (*p == '\n') {
            cx = x;
            cy += LINE_ADVANCE * scale;
            continue;
        }
        if (!starts_char(*p)) {
            continue;
        }
        const uint8_t *g = *p < 128 ? glyph(*p) : unknown_glyph;
        for (int row = 0; row < GLYPH_H; row++) {
            /* One rectangle per horizontal run of set pixels. */
            int col = 0;
            while (col < GLYPH_W) {
                if (!(g[row] & (0x10 >> col))) {
                    col++;
                    continue;
                }
                int run = col;
                while (run < GLYPH_W && (g[row] & (0x10 >> run))) {
                    run++;
                }
                emit_rect(cx + col * scale, cy + row * scale, cx + run * scale,
                          cy + (row + 1) * scale, rgb);
                col = run;
            }
        }
        cx += ADVANCE * scale;
    }
}
