# ca/ra: the registration-authority operations (request in, result out).
ca_libcarecard_ca_la_SOURCES += \
	%D%/report.c %D%/report.h %D%/batch.c %D%/batch.h
