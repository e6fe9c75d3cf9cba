#pragma once
// Where and when: the batch job a process belongs to and the time in the
// form every timestamp of the results file is written in.

#include <string>

namespace joulegrid {

// "SLURM_JOB_ID=123", "PBS_JOBID=4.pbs", or "local" outside a batch system.
std::string job_id();
// ISO 8601 UTC, "2026-12-01T22:14:40Z".
std::string utc_now();

}  // namespace joulegrid
