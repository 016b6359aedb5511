#ifndef KIT_CFFMPEG_SHIM_H
#define KIT_CFFMPEG_SHIM_H
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

/* Macros Swift cannot import, as prefixed inline functions. */
static inline int kit_averror(int e) { return AVERROR(e); }
static inline int kit_averror_eof(void) { return AVERROR_EOF; }
static inline int kit_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int64_t kit_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int kit_av_input_buffer_padding_size(void) { return AV_INPUT_BUFFER_PADDING_SIZE; }
#endif
