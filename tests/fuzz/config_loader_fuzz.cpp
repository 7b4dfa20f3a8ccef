// libFuzzer target for the configuration loader: any input yields pool specs or errors, never a
// crash, a leak, or an error without a message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "outpools/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  outpools::load_result result = outpools::load_config_string(text, "fuzz.toml", "/nonexistent");
  for (const outpools::diagnostic& d : result.diagnostics) {
    if (d.message.empty() || d.file != "fuzz.toml") __builtin_trap();
    (void)d.to_string();
  }
  if (!result.has_errors()) {
    // A valid configuration must render.
    for (const outpools::pool_spec& spec : result.config.pools) {
      if (spec.workers < 1 || spec.workers > 10000) __builtin_trap();
      (void)outpools::summary_line(spec);
    }
    (void)outpools::describe_json(result.config);
    (void)outpools::describe_text(result.config);
  }
  return 0;
}
