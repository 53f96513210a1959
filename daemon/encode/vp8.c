#include "vp8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// QH_NO_LIBYUV (set by the Windows build, where Debian has no libyuv): the
// Go side converts into the encoder's image and calls qh_enc_encode_image.
#ifndef QH_NO_LIBYUV
#include <libyuv/convert.h>
#include <libyuv/convert_argb.h>
#endif
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

struct qh_enc {
	vpx_codec_ctx_t ctx;
	vpx_codec_enc_cfg_t cfg;
	vpx_image_t *img; // I420 input, allocated once
	uint8_t *out;     // encoded output, grown only when a frame is larger
	size_t outcap;
};

struct qh_dec {
	vpx_codec_ctx_t ctx;
};

static void set_err(char *err, size_t errlen, const char *what, const char *detail) {
	snprintf(err, errlen, "%s: %s", what, detail ? detail : "");
}

qh_enc *qh_enc_open(const qh_enc_config *c, char *err, size_t errlen) {
	qh_enc *e = calloc(1, sizeof(*e));
	if (!e) {
		set_err(err, errlen, "calloc", "out of memory");
		return NULL;
	}
	vpx_codec_err_t rc = vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &e->cfg, 0);
	if (rc != VPX_CODEC_OK) {
		set_err(err, errlen, "config default", vpx_codec_err_to_string(rc));
		free(e);
		return NULL;
	}
	vpx_codec_enc_cfg_t *cfg = &e->cfg;
	cfg->g_w = c->width;
	cfg->g_h = c->height;
	cfg->g_timebase.num = 1; // pts in milliseconds: capture is event-driven,
	cfg->g_timebase.den = 1000; // so frame intervals vary
	cfg->g_threads = c->threads;
	cfg->g_lag_in_frames = 0;
	cfg->g_pass = VPX_RC_ONE_PASS;
	cfg->g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	cfg->rc_end_usage = VPX_CBR;
	cfg->rc_target_bitrate = c->bitrate_kbps;
	cfg->rc_min_quantizer = 2;
	cfg->rc_max_quantizer = 63; // a blurry picture now beats a sharp one late (slow paths)
	cfg->rc_undershoot_pct = 100;
	cfg->rc_overshoot_pct = 15;
	cfg->rc_buf_initial_sz = 500; // ms, as real-time video apps use
	cfg->rc_buf_optimal_sz = 600;
	cfg->rc_buf_sz = 1000;
	cfg->rc_dropframe_thresh = 0; // a screen frame dropped is text left blurry
	cfg->kf_mode = VPX_KF_AUTO;
	cfg->kf_min_dist = 0;
	cfg->kf_max_dist = c->fps * 60; // keyframes come on demand (new viewer, loss)

	rc = vpx_codec_enc_init(&e->ctx, vpx_codec_vp8_cx(), cfg, 0);
	if (rc != VPX_CODEC_OK) {
		set_err(err, errlen, "encoder init", vpx_codec_error_detail(&e->ctx) ? vpx_codec_error_detail(&e->ctx) : vpx_codec_err_to_string(rc));
		free(e);
		return NULL;
	}
	if (vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, c->cpu_used) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, (unsigned int)c->static_threshold) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_SCREEN_CONTENT_MODE, c->screen_content) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, 300 /* keyframe <= 3 average frames */) != VPX_CODEC_OK) {
		set_err(err, errlen, "encoder control", vpx_codec_error(&e->ctx));
		vpx_codec_destroy(&e->ctx);
		free(e);
		return NULL;
	}
	e->img = vpx_img_alloc(NULL, VPX_IMG_FMT_I420, c->width, c->height, 16);
	e->outcap = (size_t)c->width * c->height / 2 + 4096;
	e->out = malloc(e->outcap);
	if (!e->img || !e->out) {
		set_err(err, errlen, "alloc", "out of memory");
		qh_enc_close(e);
		return NULL;
	}
	return e;
}

#ifndef QH_NO_LIBYUV
int qh_enc_encode(qh_enc *e, const uint8_t *bgra, int stride, int64_t pts, unsigned long duration,
                  int force_kf, const uint8_t **out, size_t *outlen, int *keyframe) {
	vpx_image_t *img = e->img;
	*outlen = 0;
	*keyframe = 0;
	if (ARGBToI420(bgra, stride, img->planes[VPX_PLANE_Y], img->stride[VPX_PLANE_Y],
	               img->planes[VPX_PLANE_U], img->stride[VPX_PLANE_U],
	               img->planes[VPX_PLANE_V], img->stride[VPX_PLANE_V],
	               (int)img->d_w, (int)img->d_h) != 0) {
		return -1;
	}
	return qh_enc_encode_image(e, pts, duration, force_kf, out, outlen, keyframe);
}
#endif

void qh_enc_image(qh_enc *e, uint8_t **y, uint8_t **u, uint8_t **v, int *ys, int *us, int *vs) {
	vpx_image_t *img = e->img;
	*y = img->planes[VPX_PLANE_Y];
	*u = img->planes[VPX_PLANE_U];
	*v = img->planes[VPX_PLANE_V];
	*ys = img->stride[VPX_PLANE_Y];
	*us = img->stride[VPX_PLANE_U];
	*vs = img->stride[VPX_PLANE_V];
}

int qh_enc_encode_image(qh_enc *e, int64_t pts, unsigned long duration, int force_kf,
                        const uint8_t **out, size_t *outlen, int *keyframe) {
	vpx_image_t *img = e->img;
	*outlen = 0;
	*keyframe = 0;
	vpx_enc_frame_flags_t flags = force_kf ? VPX_EFLAG_FORCE_KF : 0;
	if (vpx_codec_encode(&e->ctx, img, pts, duration, flags, VPX_DL_REALTIME) != VPX_CODEC_OK) {
		return -1;
	}
	vpx_codec_iter_t iter = NULL;
	const vpx_codec_cx_pkt_t *pkt;
	size_t n = 0;
	while ((pkt = vpx_codec_get_cx_data(&e->ctx, &iter)) != NULL) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) {
			continue;
		}
		size_t need = n + pkt->data.frame.sz;
		if (need > e->outcap) { // rare: only a frame larger than any before
			uint8_t *grown = realloc(e->out, need * 2);
			if (!grown) {
				return -2;
			}
			e->out = grown;
			e->outcap = need * 2;
		}
		memcpy(e->out + n, pkt->data.frame.buf, pkt->data.frame.sz);
		n = need;
		if (pkt->data.frame.flags & VPX_FRAME_IS_KEY) {
			*keyframe = 1;
		}
	}
	*out = e->out;
	*outlen = n;
	return 0;
}

int qh_enc_set_bitrate(qh_enc *e, int kbps) {
	e->cfg.rc_target_bitrate = kbps;
	return vpx_codec_enc_config_set(&e->ctx, &e->cfg) == VPX_CODEC_OK ? 0 : -1;
}

const char *qh_enc_error(qh_enc *e) {
	const char *d = vpx_codec_error_detail(&e->ctx);
	return d ? d : vpx_codec_error(&e->ctx);
}

void qh_enc_close(qh_enc *e) {
	if (!e) {
		return;
	}
	if (e->ctx.iface) {
		vpx_codec_destroy(&e->ctx);
	}
	if (e->img) {
		vpx_img_free(e->img);
	}
	free(e->out);
	free(e);
}

qh_dec *qh_dec_open(int threads, char *err, size_t errlen) {
	qh_dec *d = calloc(1, sizeof(*d));
	if (!d) {
		set_err(err, errlen, "calloc", "out of memory");
		return NULL;
	}
	vpx_codec_dec_cfg_t cfg = {.threads = (unsigned int)threads};
	vpx_codec_err_t rc = vpx_codec_dec_init(&d->ctx, vpx_codec_vp8_dx(), &cfg, 0);
	if (rc != VPX_CODEC_OK) {
		set_err(err, errlen, "decoder init", vpx_codec_err_to_string(rc));
		free(d);
		return NULL;
	}
	return d;
}

int qh_dec_decode(qh_dec *d, const uint8_t *data, size_t n, int *got,
                  const uint8_t **y, const uint8_t **u, const uint8_t **v,
                  int *ys, int *us, int *vs, int *w, int *h) {
	*got = 0;
	if (vpx_codec_decode(&d->ctx, data, (unsigned int)n, NULL, 0) != VPX_CODEC_OK) {
		return -1;
	}
	vpx_codec_iter_t iter = NULL;
	vpx_image_t *img, *last = NULL;
	while ((img = vpx_codec_get_frame(&d->ctx, &iter)) != NULL) {
		last = img;
	}
	if (!last || last->fmt != VPX_IMG_FMT_I420) {
		return 0;
	}
	*got = 1;
	*y = last->planes[VPX_PLANE_Y];
	*u = last->planes[VPX_PLANE_U];
	*v = last->planes[VPX_PLANE_V];
	*ys = last->stride[VPX_PLANE_Y];
	*us = last->stride[VPX_PLANE_U];
	*vs = last->stride[VPX_PLANE_V];
	*w = (int)last->d_w;
	*h = (int)last->d_h;
	return 0;
}

const char *qh_dec_error(qh_dec *d) {
	const char *e = vpx_codec_error_detail(&d->ctx);
	return e ? e : vpx_codec_error(&d->ctx);
}

void qh_dec_close(qh_dec *d) {
	if (!d) {
		return;
	}
	vpx_codec_destroy(&d->ctx);
	free(d);
}

#ifndef QH_NO_LIBYUV
int qh_bgra_to_i420(const uint8_t *bgra, int stride, uint8_t *y, int ys, uint8_t *u, int us,
                    uint8_t *v, int vs, int w, int h) {
	return ARGBToI420(bgra, stride, y, ys, u, us, v, vs, w, h);
}

int qh_i420_to_rgba(const uint8_t *y, int ys, const uint8_t *u, int us, const uint8_t *v, int vs,
                    uint8_t *rgba, int stride, int w, int h) {
	// libyuv names formats by little-endian word order: "ABGR" is R,G,B,A in memory.
	return I420ToABGR(y, ys, u, us, v, vs, rgba, stride, w, h);
}
#endif
