# ca/ra: the operations front ends call (request in, result out), the
# session that names their one actor, and the one authorization gate.
ca_libcarecard_ca_la_SOURCES += \
	%D%/session.c %D%/session.h \
	%D%/gate.c %D%/gate.h \
	%D%/card-view.c %D%/card-view.h \
	%D%/card-ops.h %D%/card-issue.c %D%/card-admin.c %D%/card-renew.c \
	%D%/report.c %D%/report.h %D%/batch.c %D%/batch-check.c %D%/batch.h
ca_libcarecard_ca_la_SOURCES += \
	%D%/ops.h %D%/ra-int.h %D%/op-people.c %D%/op-org.c %D%/op-tac.c %D%/op-report.c \
	%D%/op-pki.c %D%/op-integrity.c %D%/op-migrate.c %D%/op-rollover.c %D%/op-backup.c
# The RA's working day (issue 13): lookups, changes to people and roles,
# holds, passcode resets, and every refusal's words in one table.
ca_libcarecard_ca_la_SOURCES += \
	%D%/refusal.c %D%/refusal.h %D%/op-lookup.c %D%/op-person.c %D%/op-hold.c \
	%D%/card-passcode.c %D%/op-card-status.c
# network self-renewal (EST, issue 12)
ca_libcarecard_ca_la_SOURCES += %D%/est-renew.c %D%/est-renew.h %D%/service-cert.c %D%/service-cert.h
# self-service unlock by a one-time code (issue 12)
ca_libcarecard_ca_la_SOURCES += %D%/unlock.c %D%/unlock.h %D%/otp.c %D%/otp.h
# a holder's own contact details; the renewal reminder (issue 12)
ca_libcarecard_ca_la_SOURCES += %D%/contact.c %D%/contact.h %D%/remind.c %D%/remind.h
# the portal's person page (issue 17): what the actor may do to a person
ca_libcarecard_ca_la_SOURCES += %D%/op-actions.c
