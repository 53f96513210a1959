#include "vp8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
	// The previous frame's I420 planes (Y, then U, then V, tightly packed)
	// and the active map built from the difference, one byte a macroblock.
	uint8_t *prev;
	int have_prev;
	unsigned char *active;
	unsigned char *rowchg; // scratch: the changed block columns of one macroblock row
	unsigned int mb_rows, mb_cols;
	// Refinement: the encoder's reconstruction of the last frame, and per
	// macroblock whether it is still short of the source (refine) and how
	// many frames refined it so far (tries).
	vpx_image_t *recon;
	unsigned char *refine, *tries;
	unsigned int pending;
	// refine_chunk is how many blocks the next refinement frame may take
	// (see refine_adapt; 0 before the first); refining is how many the
	// last frame took.
	unsigned int refine_chunk, refining;
	int cpu_used;   // the configured speed, used fixed (libvpx's adaptive speed is off)
	int fixed_speed; // whether the last frame ran at SMALL_SPEED
};

struct qh_dec {
	vpx_codec_ctx_t ctx;
};

static void set_err(char *err, size_t errlen, const char *what, const char *detail) {
	snprintf(err, errlen, "%s: %s", what, detail ? detail : "");
}

// recon_alloc allocates an image libvpx can copy its reference frame
// into: libvpx copies the frame at its coded size (a multiple of 16) and
// extends the edges into a border of RECON_BORDER pixels, so the picture
// starts inside a larger allocation.
#define RECON_BORDER 32
static vpx_image_t *recon_alloc(int w, int h) {
	int aw = (w + 15) & ~15, ah = (h + 15) & ~15, b = RECON_BORDER;
	vpx_image_t *img = vpx_img_alloc(NULL, VPX_IMG_FMT_I420, (unsigned int)(aw + 2 * b), (unsigned int)(ah + 2 * b), 16);
	if (!img) {
		return NULL;
	}
	img->planes[VPX_PLANE_Y] += (size_t)b * img->stride[VPX_PLANE_Y] + b;
	img->planes[VPX_PLANE_U] += (size_t)(b / 2) * img->stride[VPX_PLANE_U] + b / 2;
	img->planes[VPX_PLANE_V] += (size_t)(b / 2) * img->stride[VPX_PLANE_V] + b / 2;
	img->d_w = (unsigned int)aw;
	img->d_h = (unsigned int)ah;
	return img;
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
	// VP8 version ("profile") 2: no loop filter, bilinear motion
	// compensation (RFC 6386 §9.1; every VP8 decoder takes versions 0-3).
	// The loop filter hides block edges in natural video; on a screen it
	// is a pass over the whole frame in every frame, however little
	// changed, that softens text, and at the small speed its level is
	// searched by filtering the frame again and again. Without it a small
	// change took a third less time to encode (BenchmarkEncodeProbe 15 ->
	// 10 ms), the helper's decoder skips the pass too, and in
	// bench-compare (medians of 10 runs) typing cost the sharer 27 % of a
	// core instead of 47 % and scrolling came at 27 pictures a second
	// instead of 20.
	cfg->g_profile = 2;
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
	if (vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, -c->cpu_used) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, (unsigned int)c->static_threshold) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_SCREEN_CONTENT_MODE, c->screen_content) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, 300 /* keyframe <= 3 average frames */) != VPX_CODEC_OK ||
	    // Cyclic refresh off (the only other effects of this control are
	    // two rate-control details): it re-codes a twentieth of the screen
	    // in every frame and codes a segment map for all of it, ~300 bytes
	    // of a 1080p frame whose only change is a small square
	    // (BenchmarkEncodeProbe). Refinement sharpens what changed instead.
	    vpx_codec_control(&e->ctx, VP8E_SET_RTC_EXTERNAL_RATECTRL, 1) != VPX_CODEC_OK) {
		set_err(err, errlen, "encoder control", vpx_codec_error(&e->ctx));
		vpx_codec_destroy(&e->ctx);
		free(e);
		return NULL;
	}
	e->cpu_used = c->cpu_used;
	e->img = vpx_img_alloc(NULL, VPX_IMG_FMT_I420, c->width, c->height, 16);
	e->outcap = (size_t)c->width * c->height / 2 + 4096;
	e->out = malloc(e->outcap);
	if (!e->img || !e->out) {
		set_err(err, errlen, "alloc", "out of memory");
		qh_enc_close(e);
		return NULL;
	}
	e->mb_cols = (unsigned int)(c->width + 15) / 16;
	e->mb_rows = (unsigned int)(c->height + 15) / 16;
	size_t cw = (size_t)(c->width + 1) / 2, ch = (size_t)(c->height + 1) / 2;
	e->prev = malloc((size_t)c->width * (size_t)c->height + 2 * cw * ch);
	e->active = malloc((size_t)e->mb_rows * e->mb_cols);
	e->rowchg = malloc(e->mb_cols);
	e->refine = calloc((size_t)e->mb_rows * e->mb_cols, 1);
	e->tries = calloc((size_t)e->mb_rows * e->mb_cols, 1);
	e->recon = recon_alloc(c->width, c->height);
	if (!e->prev || !e->active || !e->rowchg || !e->refine || !e->tries || !e->recon) {
		set_err(err, errlen, "malloc", "out of memory");
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

// Quality refinement. A macroblock coded this frame whose reconstruction
// is still visibly off the source (mean squared luma error above
// REFINE_MSE, about 40 dB) is coded again in the next frames, at most
// REFINE_TRIES times, while the rate controller, with only those blocks to
// pay for, spends more on each: text that moved is blurry for a few frames
// and then sharp, without re-sending what is already sharp.
#define REFINE_MSE 6
#define REFINE_TRIES 16
// At most REFINE_CHUNK blocks are refined in one frame, so the rate
// controller can spend enough on each to make a difference: refining a
// whole screen of text at once kept it at ~29 dB for 16 frames. Within
// that, a refinement frame is kept to about REFINE_FRAME_MS of the target
// rate (refine_adapt): a change that comes while it is being sent waits
// for it. At the start of a session (a keyframe of a screen of text at
// 1 Mbit/s is blurry) 256-block frames of 15-40 KB, paced at 1.5 times
// the target, held the changes behind them for 100-200 ms (bench-compare's
// start workload). Refinement rides only on frames without new content,
// for the same reason: a probe change that took 256 refinement blocks
// along grew from 0.6 to 7-30 KB.
#define REFINE_CHUNK 256
#define REFINE_CHUNK_START 64
#define REFINE_CHUNK_MIN 8
#define REFINE_FRAME_MS 40
#define REFINE_MIN_BYTES 1500

// mark_changed_rows compares rows [r0, r1) of plane p (stride ps) with the
// same rows of q (stride qs, w bytes wide), sets chg[c] for every block
// column c (blk bytes wide) that differs, and copies each changed row into
// q. A row that did not change costs one memcmp of the whole row, and a
// changed one a fixed-size compare per block, which the compiler inlines:
// comparing 16-byte blocks row by row through the library call cost more
// than the compare itself (perf: ~7 % of a scrolling frame).
static void mark_changed_rows(const uint8_t *p, int ps, uint8_t *q, int qs, int w, int r0, int r1,
                              int blk, unsigned char *chg) {
	int full = w / blk;
	for (int r = r0; r < r1; r++) {
		const uint8_t *a = p + (size_t)r * ps;
		uint8_t *b = q + (size_t)r * qs;
		if (memcmp(a, b, (size_t)w) == 0) {
			continue;
		}
		for (int c = 0; c < full; c++) {
			if (!chg[c]) {
				chg[c] = blk == 16 ? memcmp(a + c * 16, b + c * 16, 16) != 0
				                   : memcmp(a + c * 8, b + c * 8, 8) != 0;
			}
		}
		if (full * blk < w && !chg[full]) {
			chg[full] = memcmp(a + full * blk, b + full * blk, (size_t)(w - full * blk)) != 0;
		}
		memcpy(b, a, (size_t)w);
	}
}

// update_active compares the image with the previous one macroblock by
// macroblock, marks the changed ones in the active map and keeps the new
// planes. It returns how many changed; with all set, every block counts as
// changed (a keyframe, the first frame).
static unsigned int update_active(qh_enc *e, int all) {
	vpx_image_t *img = e->img;
	int w = (int)img->d_w, h = (int)img->d_h, cw = (w + 1) / 2, ch = (h + 1) / 2;
	uint8_t *py = e->prev, *pu = py + (size_t)w * h, *pv = pu + (size_t)cw * ch;
	unsigned char *chg = e->rowchg;
	unsigned int n = 0, refining = 0;
	for (unsigned int r = 0; r < e->mb_rows; r++) {
		int y0 = (int)r * 16, y1 = y0 + 16 < h ? y0 + 16 : h;
		int cy0 = (int)r * 8, cy1 = cy0 + 8 < ch ? cy0 + 8 : ch;
		memset(chg, 0, e->mb_cols);
		mark_changed_rows(img->planes[VPX_PLANE_Y], img->stride[VPX_PLANE_Y], py, w, w, y0, y1, 16, chg);
		mark_changed_rows(img->planes[VPX_PLANE_U], img->stride[VPX_PLANE_U], pu, cw, cw, cy0, cy1, 8, chg);
		mark_changed_rows(img->planes[VPX_PLANE_V], img->stride[VPX_PLANE_V], pv, cw, cw, cy0, cy1, 8, chg);
		for (unsigned int c = 0; c < e->mb_cols; c++) {
			size_t i = r * e->mb_cols + c;
			if (chg[c]) {
				e->tries[i] = 0; // new content: refine it afresh
			}
			unsigned char a = (unsigned char)(all || chg[c]);
			e->active[i] = a;
			n += a;
		}
	}
	if (n == 0) {
		// Nothing new: refine up to refine_chunk blocks.
		if (e->refine_chunk == 0) {
			e->refine_chunk = REFINE_CHUNK_START;
		}
		size_t blocks = (size_t)e->mb_rows * e->mb_cols;
		for (size_t i = 0; i < blocks && refining < e->refine_chunk; i++) {
			if (e->refine[i]) {
				e->active[i] = 1;
				refining++;
			}
		}
		n = refining;
	}
	e->refining = refining;
	return n;
}

// refine_adapt sets the size of the next refinement frames from what the
// last one cost: about REFINE_FRAME_MS of the target rate (at least
// REFINE_MIN_BYTES), between REFINE_CHUNK_MIN and REFINE_CHUNK blocks,
// growing at most twofold a frame.
static void refine_adapt(qh_enc *e, size_t bytes) {
	if (e->refining == 0 || bytes == 0) {
		return;
	}
	size_t budget = (size_t)e->cfg.rc_target_bitrate * 1000 / 8 * REFINE_FRAME_MS / 1000;
	if (budget < REFINE_MIN_BYTES) {
		budget = REFINE_MIN_BYTES;
	}
	size_t want = budget * e->refining / bytes;
	if (want > 2 * (size_t)e->refine_chunk) {
		want = 2 * (size_t)e->refine_chunk;
	}
	if (want > REFINE_CHUNK) {
		want = REFINE_CHUNK;
	}
	if (want < REFINE_CHUNK_MIN) {
		want = REFINE_CHUNK_MIN;
	}
	e->refine_chunk = (unsigned int)want;
}

// block_sse is the sum of squared differences of a bw×bh luma block (at
// most 16×16, so it fits 32 bits). Full 16-pixel rows take SSE2 where
// the target has it (every amd64): the plain loop was ~5 % of a
// scrolling frame.
static uint32_t block_sse(const uint8_t *a, int as, const uint8_t *b, int bs, int bw, int bh) {
	uint32_t sse = 0;
	for (int y = 0; y < bh; y++, a += as, b += bs) {
		uint32_t row = 0;
		if (bw == 16) {
#ifdef __SSE2__
			__m128i va = _mm_loadu_si128((const __m128i *)a), vb = _mm_loadu_si128((const __m128i *)b);
			__m128i z = _mm_setzero_si128();
			__m128i lo = _mm_sub_epi16(_mm_unpacklo_epi8(va, z), _mm_unpacklo_epi8(vb, z));
			__m128i hi = _mm_sub_epi16(_mm_unpackhi_epi8(va, z), _mm_unpackhi_epi8(vb, z));
			__m128i sq = _mm_add_epi32(_mm_madd_epi16(lo, lo), _mm_madd_epi16(hi, hi));
			sq = _mm_add_epi32(sq, _mm_srli_si128(sq, 8));
			sq = _mm_add_epi32(sq, _mm_srli_si128(sq, 4));
			row = (uint32_t)_mm_cvtsi128_si32(sq);
#else
			for (int x = 0; x < 16; x++) {
				int d = (int)a[x] - (int)b[x];
				row += (uint32_t)(d * d);
			}
#endif
		} else {
			for (int x = 0; x < bw; x++) {
				int d = (int)a[x] - (int)b[x];
				row += (uint32_t)(d * d);
			}
		}
		sse += row;
	}
	return sse;
}

// last_recon points at the encoder's reconstruction of the frame just
// coded. The preview is that frame itself, without a copy; when libvpx
// has none to show (a frame that refreshed the alt-ref, e.g. a keyframe)
// the reference is copied into e->recon.
static int last_recon(qh_enc *e, const uint8_t **y, int *ys) {
	const vpx_image_t *pv = vpx_codec_get_preview_frame(&e->ctx);
	if (pv && pv->fmt == VPX_IMG_FMT_I420 && pv->d_w >= e->img->d_w && pv->d_h >= e->img->d_h) {
		*y = pv->planes[VPX_PLANE_Y];
		*ys = pv->stride[VPX_PLANE_Y];
		return 0;
	}
	vpx_ref_frame_t ref = {.frame_type = VP8_LAST_FRAME, .img = *e->recon};
	if (vpx_codec_control(&e->ctx, VP8_COPY_REFERENCE, &ref) != VPX_CODEC_OK) {
		return -1;
	}
	*y = ref.img.planes[VPX_PLANE_Y];
	*ys = ref.img.stride[VPX_PLANE_Y];
	return 0;
}

static void update_refine(qh_enc *e) {
	e->pending = 0;
	const uint8_t *ry;
	int rs;
	if (last_recon(e, &ry, &rs) != 0) {
		return; // no refinement rather than no video
	}
	int w = (int)e->img->d_w, h = (int)e->img->d_h;
	const uint8_t *py = e->prev; // the source just coded
	for (unsigned int r = 0; r < e->mb_rows; r++) {
		for (unsigned int c = 0; c < e->mb_cols; c++) {
			size_t i = r * e->mb_cols + c;
			if (!e->active[i]) {
				e->pending += e->refine[i]; // not coded: as it was last judged
				continue;
			}
			int x = (int)c * 16, y = (int)r * 16;
			int bw = w - x < 16 ? w - x : 16, bh = h - y < 16 ? h - y : 16;
			uint64_t sse = block_sse(py + (size_t)y * w + x, w, ry + (size_t)y * rs + x, rs, bw, bh);
			int bad = sse > (uint64_t)REFINE_MSE * (uint64_t)(bw * bh) && e->tries[i] < REFINE_TRIES;
			if (bad) {
				e->tries[i]++;
			}
			e->refine[i] = (unsigned char)bad;
			e->pending += (unsigned int)bad;
		}
	}
}

// A frame that changes at most 1/SMALL_SHARE of the macroblocks (text
// typed, a button, bench-compare's 160 px probe square) is coded at the
// fixed speed SMALL_SPEED; larger changes keep the configured speed. At
// speed 4 and above libvpx's realtime mode decision measures blocks by
// variance, blind to a change of flat colour, so it codes such a block as
// unmoved plus a large residual in every 4×4 block instead of predicting
// it from its already coded neighbours: the probe square cost ~1.5 KB a
// change at speed 4–12, 2.2–2.5 KB at 16 (where a positive cpu-used
// climbs on a busy machine), and ~620 B at speed 2 (BenchmarkEncodeProbe).
// So few blocks take little time at any speed.
#define SMALL_SHARE 32
#define SMALL_SPEED 2

static int set_speed(qh_enc *e, int small) {
	if (small == e->fixed_speed) {
		return 0;
	}
	e->fixed_speed = small;
	int speed = small ? -SMALL_SPEED : -e->cpu_used;
	return vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, speed) == VPX_CODEC_OK ? 0 : -1;
}

int qh_enc_encode_image(qh_enc *e, int64_t pts, unsigned long duration, int force_kf,
                        const uint8_t **out, size_t *outlen, int *keyframe) {
	vpx_image_t *img = e->img;
	*outlen = 0;
	*keyframe = 0;
	// Only the macroblocks that changed are coded; the rest are skipped
	// (the helper keeps what it has). Without this, every small change
	// re-coded the whole screen at the quality the rate allowed: on a still
	// page of text with one 160 px square changing, 8–110 KB a frame.
	int all = force_kf || !e->have_prev;
	unsigned int changed = update_active(e, all);
	e->have_prev = 1;
	if (changed == 0) {
		e->pending = 0;
		return 0; // nothing to send
	}
	vpx_active_map_t map = {.active_map = all ? NULL : e->active, .rows = e->mb_rows, .cols = e->mb_cols};
	if (vpx_codec_control(&e->ctx, VP8E_SET_ACTIVEMAP, &map) != VPX_CODEC_OK) {
		return -1;
	}
	// Blocks coded only to be refined do not count (a refinement frame is
	// coded at the small speed): a full chunk of them (256, just over 1/32
	// of 1080p) made refinement frames of typed text large ones, coded at
	// speed 16, whose refinement never reached the target (typing in
	// bench-compare: 280 kbit/s and 30 dB in some runs, 80–100 kbit/s and
	// 40 dB in others).
	if (set_speed(e, !all && changed - e->refining <= e->mb_rows * e->mb_cols / SMALL_SHARE) != 0) {
		return -1;
	}
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
	if (n > 0) {
		if (!*keyframe) {
			refine_adapt(e, n);
		}
		update_refine(e);
	}
	return 0;
}

unsigned int qh_enc_pending(qh_enc *e) { return e->pending; }

int qh_enc_refined_only(qh_enc *e) { return e->refining > 0; }

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
	free(e->prev);
	free(e->active);
	free(e->rowchg);
	free(e->refine);
	free(e->tries);
	if (e->recon) {
		vpx_img_free(e->recon);
	}
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
