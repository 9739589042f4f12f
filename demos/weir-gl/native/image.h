/* Image files for weir-gl: writing an 8-bit RGB image (rows top to bottom, 3 bytes per pixel,
 * no padding) as a binary PPM (P6) or as a PNG. The PNG encoder needs no zlib: the pixel data goes
 * into "stored" (uncompressed) deflate blocks, with the CRC-32 and Adler-32 checksums computed
 * here. Pure C, no OpenGL. */
#ifndef WEIR_GL_IMAGE_H
#define WEIR_GL_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

/* Writes `rgb` (width * height * 3 bytes) to `path`; false on any I/O error. */
bool weir_gl_write_ppm(const char *path, const uint8_t *rgb, int width, int height);
bool weir_gl_write_png(const char *path, const uint8_t *rgb, int width, int height);

#endif
