// libFuzzer target for the drivers' readings of statement texts — pgsql's `$n` markers, the ODBC
// drivers' statement words, SQLite's statement count: any text, never a crash, a read out of bounds
// or an answer out of its range.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/rdbms/pgsql/pgsql_markers.hpp"
#include "drivers/rdbms/sqlite_statements.hpp"
#include "drivers/rdbms/statement_words.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view sql(reinterpret_cast<const char*>(data), size);
  for (const bool standard : {true, false})
    if (outpools::rdbms::highest_pgsql_marker(sql, standard) > 1000000000u) __builtin_trap();
  for (const bool skip : {true, false})
    for (const std::string& word : outpools::rdbms::statement_words(sql, skip))
      if (word.empty()) __builtin_trap();
  (void)outpools::rdbms::may_open_transaction(sql);
  (void)outpools::rdbms::only_ends_transaction(sql);
  (void)outpools::rdbms::is_copy_stream(sql);
  // Run again only when one statement: never a text with a `;` before its end (outside comments).
  if (outpools::rdbms::only_reads(sql)) {
    std::vector<std::string> words = outpools::rdbms::statement_words(sql, true);
    if (!words.empty() && words.back() == ";") words.pop_back();
    for (const std::string& word : words)
      if (word == ";") __builtin_trap();
  }
  // SQLite's statements: never more than the text has `;` plus one.
  std::size_t semicolons = 0;
  for (const char c : sql) semicolons += c == ';' ? 1 : 0;
  if (outpools::rdbms::sqlite_statement_count(sql) > semicolons + 1) __builtin_trap();
  return 0;
}
