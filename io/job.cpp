#include "io/job.hpp"

#include <cstdlib>
#include <ctime>

namespace joulegrid {

std::string job_id() {
  for (const char* v : {"SLURM_JOB_ID", "PBS_JOBID"})
    if (const char* id = std::getenv(v); id && *id) return std::string(v) + "=" + id;
  return "local";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace joulegrid
