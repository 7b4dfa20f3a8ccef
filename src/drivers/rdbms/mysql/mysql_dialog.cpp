#include "drivers/rdbms/mysql/mysql_dialog.hpp"

#include <map>
#include <mutex>

namespace outpools::rdbms {
namespace {

// The refused questions by handle, until taken. Bounded: a handle closed without being asked
// (a path that forgot) cannot make it grow for ever.
constexpr std::size_t most_questions_kept = 256;

struct refused_questions {
  std::mutex mutex;
  std::map<const MYSQL*, std::string> by_handle;
};

refused_questions& questions() {
  static refused_questions* all = new refused_questions;  // never destroyed: used at exit too
  return *all;
}

}  // namespace

std::string take_refused_dialog_question(MYSQL* handle) noexcept {
  refused_questions& q = questions();
  std::lock_guard lock(q.mutex);
  const auto it = q.by_handle.find(handle);
  if (it == q.by_handle.end()) return std::string();
  std::string question = std::move(it->second);
  q.by_handle.erase(it);
  return question;
}

}  // namespace outpools::rdbms

// Weak: an application that defines its own (a terminal program that wants to ask) keeps it.
extern "C" __attribute__((weak)) char* mariadb_auth_dialog(MYSQL* mysql, int /*type*/,
                                                           const char* prompt, char* /*buffer*/,
                                                           int /*buffer_length*/) {
  try {
    auto& q = outpools::rdbms::questions();
    std::lock_guard lock(q.mutex);
    if (q.by_handle.size() >= outpools::rdbms::most_questions_kept) q.by_handle.clear();
    q.by_handle[mysql] = prompt != nullptr ? prompt : "";
  } catch (...) {  // out of memory: the question is not recorded, the handshake fails still
  }
  return nullptr;
}
