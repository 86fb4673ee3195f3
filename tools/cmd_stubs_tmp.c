/* Temporary during parallel bring-up; removed when the disassembler lands. */
#include "cli.h"
int cmd_disasm(int argc, char **argv) { (void)argc; (void)argv; return cli_error("disasm: not built yet"); }
