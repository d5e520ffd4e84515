# ca/registry: the registry interface (registry.h, registry-*.h) and its
# backends behind the statement layer (db.h). No SQL anywhere else.
ca_libcarecard_ca_la_SOURCES += \
	%D%/registry.c %D%/schema.c %D%/records.c %D%/integrity.c \
	%D%/registry.h %D%/registry-int.h %D%/registry-ra.h %D%/registry-cards.h \
	%D%/people.c %D%/positions.c %D%/tac.c %D%/reports.c %D%/cards.c
ca_libcarecard_ca_la_SOURCES += \
	%D%/registry-lookup.h %D%/lookup.c %D%/registry-update.h %D%/update.c \
	%D%/registry-hold.h %D%/holds.c
# carecard-ca migrate: a SQLite registry copied into PostgreSQL
ca_libcarecard_ca_la_SOURCES += %D%/migrate.c %D%/registry-migrate.h
# network self-renewals (issue 12)
ca_libcarecard_ca_la_SOURCES += %D%/est.c %D%/registry-est.h
# the OCSP responder's records (migration 8)
ca_libcarecard_ca_la_SOURCES += %D%/ocsp.c %D%/registry-ocsp.h
# self-service unlock: sealed card keys and one-time codes
ca_libcarecard_ca_la_SOURCES += %D%/unlock.c %D%/registry-unlock.h
# renewal reminders (migration 11)
ca_libcarecard_ca_la_SOURCES += %D%/remind.c %D%/registry-remind.h
# issuing CAs made by a rollover (migration 13)
ca_libcarecard_ca_la_SOURCES += %D%/issuers.c %D%/registry-issuers.h
# the statement layer and its SQLite and PostgreSQL backends
ca_libcarecard_ca_la_SOURCES += %D%/db.h %D%/db-int.h %D%/db.c %D%/db-sqlite.c %D%/db-pg.c
# holders' acceptances of the portal's terms and conditions (table terms_acceptances)
ca_libcarecard_ca_la_SOURCES += %D%/terms.c %D%/registry-terms.h
