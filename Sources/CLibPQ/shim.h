#ifndef PRESSWORK_CLIBPQ_SHIM_H
#define PRESSWORK_CLIBPQ_SHIM_H

#include <libpq-fe.h>
#include <poll.h>

// Char-literal macros from postgres_ext.h do not import into Swift; re-export them as constants.
static const int CLibPQ_PG_DIAG_SEVERITY = PG_DIAG_SEVERITY;
static const int CLibPQ_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int CLibPQ_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int CLibPQ_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int CLibPQ_PG_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int CLibPQ_PG_DIAG_CONTEXT = PG_DIAG_CONTEXT;
static const int CLibPQ_PG_DIAG_SCHEMA_NAME = PG_DIAG_SCHEMA_NAME;
static const int CLibPQ_PG_DIAG_TABLE_NAME = PG_DIAG_TABLE_NAME;
static const int CLibPQ_PG_DIAG_COLUMN_NAME = PG_DIAG_COLUMN_NAME;
static const int CLibPQ_PG_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;

#endif
