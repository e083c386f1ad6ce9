#include "cli.h"
int cmd_pprof(int argc, char **argv)
{
	return CLI_USAGE;
}
