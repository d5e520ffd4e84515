# common/: the few helpers the module, the policy engine and the CA share.
noinst_LTLIBRARIES += %D%/libcarecard-common.la
%C%_libcarecard_common_la_SOURCES = \
	%D%/log.c %D%/log.h \
	%D%/fileio.c %D%/fileio.h \
	%D%/yaml-doc.c %D%/yaml-doc.h
%C%_libcarecard_common_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(YAML_CFLAGS)
%C%_libcarecard_common_la_LIBADD = $(OPENSSL_LIBS) $(YAML_LIBS)
