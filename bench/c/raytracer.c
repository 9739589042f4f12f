/* The C twin of demos/raytracer: the same scene, the same floating-point operations in the same
 * order, so the PPM file is byte-identical to the Weir program's. Compile with
 * gcc -O2 -ffp-contract=off raytracer.c -lm (no fused multiply-add, no -ffast-math).
 *
 *   raytracer [WIDTH HEIGHT [OUT.ppm]]     (default: 320 240 out.ppm)
 *
 * Used by bench/raytracer.sh; bench/compare.sh skips it (there is no bench/programs/raytracer.weir). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { double x, y, z; } Vec3;
typedef struct { Vec3 center; double radius; Vec3 color; } Sphere;
typedef struct { Vec3 point, normal, color_a, color_b; } Plane;
typedef struct { Vec3 pos, color; } Light;
typedef struct { double t; Vec3 point, normal, color; } Hit;

static Vec3 v3(double x, double y, double z) { Vec3 r = {x, y, z}; return r; }
static Vec3 add(Vec3 a, Vec3 b) { return v3(a.x + b.x, a.y + b.y, a.z + b.z); }
static Vec3 sub(Vec3 a, Vec3 b) { return v3(a.x - b.x, a.y - b.y, a.z - b.z); }
static Vec3 scale(Vec3 a, double s) { return v3(a.x * s, a.y * s, a.z * s); }
static Vec3 mul(Vec3 a, Vec3 b) { return v3(a.x * b.x, a.y * b.y, a.z * b.z); }
static double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static double length(Vec3 a) { return sqrt(dot(a, a)); }
static Vec3 normalize(Vec3 a) { double n = length(a); return v3(a.x / n, a.y / n, a.z / n); }
static Vec3 lerp(Vec3 a, Vec3 b, double t) { return add(scale(a, 1.0 - t), scale(b, t)); }

static const double epsilon = 0.0001;
static const double far = 60.0;

#define N_SPHERES 4
#define N_LIGHTS 2
static Sphere spheres[N_SPHERES];
static Plane plane;
static Light lights[N_LIGHTS];
static const double ambient = 0.12;

static const Vec3 eye = {0.0, 0.6, 2.5};
static const Vec3 sky_low = {0.95, 0.95, 1.0};
static const Vec3 sky_high = {0.35, 0.55, 0.95};

static void default_scene(void) {
    spheres[0] = (Sphere){{0.0, 0.0, -3.0}, 1.0, {0.9, 0.2, 0.2}};
    spheres[1] = (Sphere){{-2.1, -0.3, -4.0}, 0.7, {0.2, 0.8, 0.3}};
    spheres[2] = (Sphere){{1.9, -0.5, -2.3}, 0.5, {0.25, 0.4, 0.95}};
    spheres[3] = (Sphere){{0.7, 1.4, -5.5}, 0.9, {0.95, 0.85, 0.3}};
    plane = (Plane){{0.0, -1.0, 0.0}, {0.0, 1.0, 0.0}, {0.85, 0.85, 0.85}, {0.3, 0.3, 0.35}};
    lights[0] = (Light){{-4.0, 6.0, 1.0}, {0.8, 0.75, 0.7}};
    lights[1] = (Light){{5.0, 3.0, -1.0}, {0.3, 0.32, 0.4}};
}

static double sphere_t(const Sphere *s, Vec3 origin, Vec3 dir) {
    Vec3 oc = sub(origin, s->center);
    double b = dot(oc, dir);
    double c = dot(oc, oc) - s->radius * s->radius;
    double disc = b * b - c;
    if (disc < 0.0) return -1.0;
    double sq = sqrt(disc);
    double t0 = -b - sq, t1 = -b + sq;
    if (t0 > epsilon) return t0;
    if (t1 > epsilon) return t1;
    return -1.0;
}

static double plane_t(const Plane *p, Vec3 origin, Vec3 dir) {
    double denom = dot(p->normal, dir);
    if (fabs(denom) < 0.000000001) return -1.0;
    double t = dot(sub(p->point, origin), p->normal) / denom;
    return t > epsilon && t < far ? t : -1.0;
}

static Vec3 plane_color(const Plane *p, Vec3 point) {
    long cell = (long)floor(point.x) + (long)floor(point.z);
    return cell % 2 == 0 ? p->color_a : p->color_b;
}

static int intersect(Vec3 origin, Vec3 dir, Hit *hit) {
    double best_t = -1.0;
    int best_sphere = -1;
    for (int i = 0; i < N_SPHERES; i++) {
        double t = sphere_t(&spheres[i], origin, dir);
        if (t > 0.0 && (best_t < 0.0 || t < best_t)) { best_t = t; best_sphere = i; }
    }
    double pt = plane_t(&plane, origin, dir);
    if (pt > 0.0 && (best_t < 0.0 || pt < best_t)) {
        Vec3 point = add(origin, scale(dir, pt));
        *hit = (Hit){pt, point, plane.normal, plane_color(&plane, point)};
        return 1;
    }
    if (best_sphere >= 0) {
        const Sphere *s = &spheres[best_sphere];
        Vec3 point = add(origin, scale(dir, best_t));
        *hit = (Hit){best_t, point, scale(sub(point, s->center), 1.0 / s->radius), s->color};
        return 1;
    }
    return 0;
}

static int occluded(Vec3 origin, Vec3 dir, double dist) {
    int hit = 0;
    for (int i = 0; i < N_SPHERES; i++) {
        double t = sphere_t(&spheres[i], origin, dir);
        if (t > 0.0 && t < dist) hit = 1;
    }
    return hit;
}

static double pow32(double x) {
    double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4, x16 = x8 * x8;
    return x16 * x16;
}

static Vec3 light_at(const Hit *hit, Vec3 dir, const Light *light) {
    Vec3 to_light = sub(light->pos, hit->point);
    double dist = length(to_light);
    Vec3 l = scale(to_light, 1.0 / dist);
    double n_dot_l = dot(hit->normal, l);
    if (n_dot_l <= 0.0 || occluded(hit->point, l, dist)) return v3(0.0, 0.0, 0.0);
    Vec3 diffuse = scale(mul(hit->color, light->color), n_dot_l);
    Vec3 half = normalize(sub(l, dir));
    double n_dot_h = dot(hit->normal, half);
    double spec = n_dot_h > 0.0 ? 0.5 * pow32(n_dot_h) : 0.0;
    return add(diffuse, scale(light->color, spec));
}

static Vec3 shade(Vec3 dir) {
    Hit hit;
    if (intersect(eye, dir, &hit)) {
        Vec3 c = scale(hit.color, ambient);
        for (int i = 0; i < N_LIGHTS; i++) c = add(c, light_at(&hit, dir, &lights[i]));
        return c;
    }
    return lerp(sky_low, sky_high, 0.5 * (dir.y + 1.0));
}

static long to_byte(double c) {
    double clamped = c < 0.0 ? 0.0 : c > 1.0 ? 1.0 : c;
    return (long)(sqrt(clamped) * 255.0 + 0.5);
}

static Vec3 ray_dir(long i, long j, long width, long height) {
    double aspect = (double)width / (double)height;
    double u = (2.0 * ((double)i + 0.5) / (double)width - 1.0) * aspect * 0.6;
    double w = (1.0 - 2.0 * ((double)j + 0.5) / (double)height) * 0.6;
    return normalize(v3(u, w - 0.12, -1.0));
}

/* A positive decimal integer of 1 to 6 digits, or 0. */
static long parse_size(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 6) return 0;
    long v = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') return 0;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

static int usage(void) {
    printf("usage: raytracer [WIDTH HEIGHT [OUT.ppm]]\n");
    return 2;
}

int main(int argc, char **argv) {
    int n = argc - 1;
    if (n == 1 || n > 3) return usage();
    long width = n == 0 ? 320 : parse_size(argv[1]);
    long height = n == 0 ? 240 : parse_size(argv[2]);
    const char *out = n == 3 ? argv[3] : "out.ppm";
    if (width <= 0 || height <= 0) return usage();
    default_scene();
    /* at most "255 255 255\n" per pixel, plus the header */
    size_t cap = (size_t)width * (size_t)height * 12 + 64, used = 0;
    char *buf = malloc(cap);
    if (!buf) return 1;
    used += sprintf(buf, "P3\n%ld %ld\n255\n", width, height);
    for (long j = 0; j < height; j++)
        for (long i = 0; i < width; i++) {
            Vec3 c = shade(ray_dir(i, j, width, height));
            used += sprintf(buf + used, "%ld %ld %ld\n", to_byte(c.x), to_byte(c.y), to_byte(c.z));
        }
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(buf, 1, used, f) != used || fclose(f) != 0) {
        fprintf(stderr, "write-file failed: %s\n", out);
        return 1;
    }
    free(buf);
    printf("wrote %s (%ldx%ld)\n", out, width, height);
    return 0;
}
