# scripts/: the README's two commands and the RA workflows.
dist_noinst_SCRIPTS += %D%/install-deps.sh %D%/build.sh %D%/run.sh %D%/test.sh %D%/demo.sh
dist_noinst_DATA += doc/clients.md
