/* PPM and PNG writers for weir-gl screenshots (see image.h). */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PPM ---------------------------------------------------------------------------------- */

bool weir_gl_write_ppm(const char *path, const uint8_t *rgb, int width, int height) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return false;
    }
    size_t size = (size_t)width * (size_t)height * 3;
    bool ok = fprintf(f, "P6\n%d %d\n255\n", width, height) > 0 && fwrite(rgb, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

/* ---- PNG ---------------------------------------------------------------------------------- */

/* CRC-32 (ISO 3309, as PNG uses it): reflected polynomial 0xEDB88320, table built on first use. */
static uint32_t crc_table[256];

static void crc_init(void) {
    if (crc_table[1] != 0) {
        return;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[n] = c;
    }
}

/* `crc` is the running value, starting at 0xFFFFFFFF; the final CRC is `crc ^ 0xFFFFFFFF`. */
static uint32_t crc_update(uint32_t crc, const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        crc = crc_table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    }
    return crc;
}

/* A chunk being written: its bytes go to the file and into the running CRC. */
struct chunk {
    FILE *f;
    uint32_t crc;
    bool ok;
};

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void chunk_write(struct chunk *c, const void *data, size_t len) {
    c->crc = crc_update(c->crc, data, len);
    if (len > 0 && fwrite(data, 1, len, c->f) != len) {
        c->ok = false;
    }
}

/* Starts a chunk of `len` data bytes: writes the length and the type. */
static struct chunk chunk_begin(FILE *f, const char type[4], uint32_t len) {
    struct chunk c = {f, 0xFFFFFFFFu, true};
    uint8_t be[4];
    put_be32(be, len);
    if (fwrite(be, 1, 4, f) != 4) {
        c.ok = false;
    }
    chunk_write(&c, type, 4);
    return c;
}

static bool chunk_end(struct chunk *c) {
    uint8_t be[4];
    put_be32(be, c->crc ^ 0xFFFFFFFFu);
    if (fwrite(be, 1, 4, c->f) != 4) {
        c->ok = false;
    }
    return c->ok;
}

/* Largest payload of one stored deflate block. */
#define STORED_MAX 65535u

bool weir_gl_write_png(const char *path, const uint8_t *rgb, int width, int height) {
    crc_init();
    /* The scanlines as PNG wants them: each row is filter type 0 (None), then its pixels. */
    size_t row = (size_t)width * 3;
    size_t raw_len = (size_t)height * (row + 1);
    uint8_t *raw = malloc(raw_len > 0 ? raw_len : 1);
    if (raw == NULL) {
        return false;
    }
    for (int y = 0; y < height; y++) {
        raw[(size_t)y * (row + 1)] = 0;
        memcpy(raw + (size_t)y * (row + 1) + 1, rgb + (size_t)y * row, row);
    }
    size_t blocks = raw_len == 0 ? 1 : (raw_len + STORED_MAX - 1) / STORED_MAX;
    /* zlib stream: 2-byte header, per block 5 header bytes + payload, 4-byte Adler-32. */
    size_t idat_len = 2 + blocks * 5 + raw_len + 4;
    if (idat_len > 0x7FFFFFFFu) {
        free(raw);
        return false;
    }

    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        free(raw);
        return false;
    }
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    bool ok = fwrite(signature, 1, 8, f) == 8;

    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)width);
    put_be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* compression: deflate */
    ihdr[11] = 0; /* filter method 0 */
    ihdr[12] = 0; /* no interlace */
    struct chunk c = chunk_begin(f, "IHDR", sizeof ihdr);
    chunk_write(&c, ihdr, sizeof ihdr);
    ok = chunk_end(&c) && ok;

    c = chunk_begin(f, "IDAT", (uint32_t)idat_len);
    /* CMF 0x78: deflate, 32 KiB window; FLG 0x01 makes (CMF * 256 + FLG) a multiple of 31. */
    static const uint8_t zlib_header[2] = {0x78, 0x01};
    chunk_write(&c, zlib_header, 2);
    uint32_t a = 1, b = 0; /* Adler-32 of the uncompressed data */
    size_t pos = 0;
    for (size_t i = 0; i < blocks; i++) {
        size_t n = raw_len - pos < STORED_MAX ? raw_len - pos : STORED_MAX;
        uint8_t head[5];
        head[0] = i + 1 == blocks ? 1 : 0; /* BFINAL on the last block, BTYPE 00 (stored) */
        head[1] = (uint8_t)n;
        head[2] = (uint8_t)(n >> 8);
        head[3] = (uint8_t)~n;
        head[4] = (uint8_t)(~n >> 8);
        chunk_write(&c, head, 5);
        chunk_write(&c, raw + pos, n);
        for (size_t k = 0; k < n; k++) {
            a = (a + raw[pos + k]) % 65521u;
            b = (b + a) % 65521u;
        }
        pos += n;
    }
    uint8_t adler[4];
    put_be32(adler, (b << 16) | a);
    chunk_write(&c, adler, 4);
    ok = chunk_end(&c) && ok;

    c = chunk_begin(f, "IEND", 0);
    ok = chunk_end(&c) && ok;

    free(raw);
    return fclose(f) == 0 && ok;
}
