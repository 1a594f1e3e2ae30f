/*
 * Why a frame was rejected by a parser. Every parser in lib/wire returns
 * SF_WIRE_OK or one of these; the layers above count each reason as a
 * drop statistic (a malformed frame is a counter, never an API error).
 */
#ifndef SF_WIRE_STATUS_H
#define SF_WIRE_STATUS_H

#define SF_WIRE_STATUS_MAP(XX)                                              \
  XX(OK, 0, "ok")                                                           \
  XX(TRUNCATED, -1, "shorter than its header says")                         \
  XX(BAD_LENGTH, -2, "a length field is impossible")                        \
  XX(BAD_CHECKSUM, -3, "checksum does not verify")                          \
  XX(BAD_OPTION, -4, "malformed option")                                    \
  XX(BAD_VERSION, -5, "unsupported version or hardware/protocol type")      \
  XX(BAD_FLAGS, -6, "impossible flag combination")                          \
  XX(BAD_FIELD, -7, "a field holds a value the format forbids")             \
  XX(NO_SPACE, -8, "output buffer too small")

enum sf_wire_status {
#define SF_WIRE_STATUS_ENUM(name, value, msg) SF_WIRE_##name = (value),
  SF_WIRE_STATUS_MAP(SF_WIRE_STATUS_ENUM)
#undef SF_WIRE_STATUS_ENUM
};

/* Number of statuses, for arrays of per-reason counters: index -status. */
#define SF_WIRE_STATUS_COUNT 9

/* "TRUNCATED", "BAD_CHECKSUM", ...; "UNKNOWN" for anything else. */
const char *sf__wire_status_name(int status);

/* A sentence saying what the status means; never NULL. */
const char *sf__wire_status_message(int status);

#endif /* SF_WIRE_STATUS_H */
