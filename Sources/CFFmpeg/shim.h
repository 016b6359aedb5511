#ifndef KIT_CFFMPEG_SHIM_H
#define KIT_CFFMPEG_SHIM_H
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

/* Macros Swift cannot import, as prefixed inline functions. */
static inline int kit_averror(int e) { return AVERROR(e); }
static inline int kit_averror_eof(void) { return AVERROR_EOF; }
static inline int kit_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int64_t kit_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int kit_av_input_buffer_padding_size(void) { return AV_INPUT_BUFFER_PADDING_SIZE; }

/* AVFrame's data[8] and linesize[8] import as tuples; these hand out the arrays as pointers (for sws_scale) and
   single planes (for turbojpeg) without tuple gymnastics on the Swift side. */
static inline const uint8_t *const *kit_frame_source_planes(const AVFrame *f) { return (const uint8_t *const *)f->data; }
static inline uint8_t *const *kit_frame_planes(const AVFrame *f) { return (uint8_t *const *)f->data; }
static inline const int *kit_frame_linesizes(const AVFrame *f) { return f->linesize; }
static inline uint8_t *kit_frame_plane(const AVFrame *f, int i) { return (i >= 0 && i < AV_NUM_DATA_POINTERS) ? f->data[i] : NULL; }
static inline int kit_frame_linesize(const AVFrame *f, int i) { return (i >= 0 && i < AV_NUM_DATA_POINTERS) ? f->linesize[i] : 0; }

#endif
