# pkcs11/: libcarecard-pkcs11.so and the carecard-card tool.
include %D%/store.mk
