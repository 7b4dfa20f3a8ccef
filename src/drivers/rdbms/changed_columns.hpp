// changed_columns.hpp — the answer to a prepared statement whose answer changed its columns.
#pragma once

#include "outpools/rdbms/value.hpp"

namespace outpools::rdbms {

/// `protocol_error`: the statement ran, but the server answered with other columns than it was
/// prepared with (its table altered since), which the client library could not read, and it is
/// not one to run again (only_reads() is false). mysql and MariaDB ODBC answer it; the
/// statement is prepared anew at its next run. Pure; any thread.
inline query_result ran_with_changed_columns() {
  return query_result(call_result::failure(
      errc::protocol_error,
      "the statement ran, but its answer has other columns than when it was prepared (its "
      "table altered since?) and was dropped; it is prepared again at its next run"));
}

}  // namespace outpools::rdbms
