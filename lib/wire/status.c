/* Names and messages for the parsers' rejection reasons (status.h). */
#include "config.h"

#include "wire/status.h"

const char *sf__wire_status_name(int status) {
  switch (status) {
#define SF_WIRE_NAME_CASE(name, value, msg) \
  case SF_WIRE_##name:                      \
    return #name;
    SF_WIRE_STATUS_MAP(SF_WIRE_NAME_CASE)
#undef SF_WIRE_NAME_CASE
  default:
    return "UNKNOWN";
  }
}

const char *sf__wire_status_message(int status) {
  switch (status) {
#define SF_WIRE_MSG_CASE(name, value, msg) \
  case SF_WIRE_##name:                     \
    return msg;
    SF_WIRE_STATUS_MAP(SF_WIRE_MSG_CASE)
#undef SF_WIRE_MSG_CASE
  default:
    return "unknown wire status";
  }
}
