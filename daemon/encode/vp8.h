// C side of the VP8 wrapper: libvpx controls are variadic macros, which cgo
// cannot call, and keeping the codec context in C memory keeps Go pointers
// out of libvpx.
#ifndef QH_VP8_H
#define QH_VP8_H

#include <stddef.h>
#include <stdint.h>

typedef struct qh_enc qh_enc;
typedef struct qh_dec qh_dec;

typedef struct {
	int width, height;
	int bitrate_kbps;
	int fps;
	int cpu_used;
	int threads;
	int static_threshold;
	int screen_content;
} qh_enc_config;

// qh_enc_open returns NULL and fills err (size errlen) on failure.
qh_enc *qh_enc_open(const qh_enc_config *c, char *err, size_t errlen);
// qh_enc_encode converts BGRA to I420 and encodes it. On success it returns
// 0 with *out/*outlen pointing at the frame (valid until the next call;
// *outlen is 0 when the encoder dropped the frame) and *keyframe set.
int qh_enc_encode(qh_enc *e, const uint8_t *bgra, int stride, int64_t pts, unsigned long duration,
                  int force_kf, const uint8_t **out, size_t *outlen, int *keyframe);
// qh_enc_image exposes the encoder's I420 input image, which
// qh_enc_encode_image encodes as it is (the caller filled it).
void qh_enc_image(qh_enc *e, uint8_t **y, uint8_t **u, uint8_t **v, int *ys, int *us, int *vs);
int qh_enc_encode_image(qh_enc *e, int64_t pts, unsigned long duration, int force_kf,
                        const uint8_t **out, size_t *outlen, int *keyframe);
int qh_enc_set_bitrate(qh_enc *e, int kbps);
// qh_enc_pending is how many macroblocks of the last frame are to be
// refined: encoding the same picture again improves them.
unsigned int qh_enc_pending(qh_enc *e);
// qh_enc_refined_only reports whether the last frame only refined blocks
// (nothing on the screen had changed).
int qh_enc_refined_only(qh_enc *e);
const char *qh_enc_error(qh_enc *e);
void qh_enc_close(qh_enc *e);

qh_dec *qh_dec_open(int threads, char *err, size_t errlen);
// qh_dec_decode decodes one frame; on success *got says whether a picture
// is available and the plane pointers/strides/size describe it (valid
// until the next call).
int qh_dec_decode(qh_dec *d, const uint8_t *data, size_t n, int *got,
                  const uint8_t **y, const uint8_t **u, const uint8_t **v,
                  int *ys, int *us, int *vs, int *w, int *h);
const char *qh_dec_error(qh_dec *d);
void qh_dec_close(qh_dec *d);

int qh_bgra_to_i420(const uint8_t *bgra, int stride, uint8_t *y, int ys, uint8_t *u, int us,
                    uint8_t *v, int vs, int w, int h);
int qh_i420_to_rgba(const uint8_t *y, int ys, const uint8_t *u, int us, const uint8_t *v, int vs,
                    uint8_t *rgba, int stride, int w, int h);

#endif
