/*
 * open_check DEVICE ADDRESS [v2|v3|mmsg]: opens an AF_PACKET interface on
 * DEVICE for ADDRESS ("198.18.X.2/24"), with the default receive path or
 * the one named, and closes it again. Prints "opened", or the error's
 * name and sf_loop_last_error's sentence. Exit status 0 when it opened,
 * 1 when it was refused, 2 for bad usage. For test_iface_errors.sh.
 */
#include <stdio.h>
#include <string.h>

#include "synfin.h"

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: open_check DEVICE ADDRESS [v2|v3|mmsg]\n");
    return 2;
  }
  sf_loop_t loop;
  sf_iface_t iface;
  sf_iface_config_t config = {.address = argv[2]};
  sf_packet_options_t options = {.device = argv[1]};
  if (argc == 4)
    options.ring = !strcmp(argv[3], "v2")   ? SF_PACKET_RING_V2
                   : !strcmp(argv[3], "v3") ? SF_PACKET_RING_V3
                   : !strcmp(argv[3], "mmsg") ? SF_PACKET_RECVMMSG
                                             : -1;
  if (sf_loop_init(&loop) < 0)
    return 2;
  int rc = sf_iface_open_packet(&loop, &iface, &config, &options);
  if (rc < 0)
    printf("%s: %s\n", sf_err_name(rc), sf_loop_last_error(&loop));
  else {
    printf("opened\n");
    sf_close((sf_handle_t *)&iface, NULL);
    sf_run(&loop, SF_RUN_DEFAULT);
  }
  return sf_loop_close(&loop) < 0 ? 2 : rc < 0;
}
