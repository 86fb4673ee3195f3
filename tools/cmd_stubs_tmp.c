/* Temporary during parallel bring-up; removed when the subcommands land. */
#include "cli.h"
int cmd_conformance(int argc, char **argv) { (void)argc; (void)argv; return cli_error("conformance: not built yet"); }
int cmd_conformance_plugin(int argc, char **argv) { (void)argc; (void)argv; return cli_error("conformance-plugin: not built yet"); }
int cmd_disasm(int argc, char **argv) { (void)argc; (void)argv; return cli_error("disasm: not built yet"); }
