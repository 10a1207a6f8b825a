#ifndef DMSWATCH_CLIBPQ_SHIM_H
#define DMSWATCH_CLIBPQ_SHIM_H
#include <libpq-fe.h>

// Typed accessors for the status enums, so Swift compares plain ints.
static inline int dmsw_pq_connection_ok(const PGconn *c) { return PQstatus(c) == CONNECTION_OK; }
static inline int dmsw_pq_result_tuples(const PGresult *r) { return PQresultStatus(r) == PGRES_TUPLES_OK; }
static inline int dmsw_pq_result_command_ok(const PGresult *r) { return PQresultStatus(r) == PGRES_COMMAND_OK; }
static inline int dmsw_pq_result_is_error(const PGresult *r) {
  ExecStatusType s = PQresultStatus(r);
  return s == PGRES_FATAL_ERROR || s == PGRES_BAD_RESPONSE || s == PGRES_NONFATAL_ERROR;
}
static inline int dmsw_pq_in_transaction(const PGconn *c) {
  PGTransactionStatusType s = PQtransactionStatus(c);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}
// The SQLSTATE of an error result ("57014" = query_canceled, "28P01" = invalid_password), or "".
static inline const char *dmsw_pq_sqlstate(const PGresult *r) {
  const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return s ? s : "";
}
#endif
