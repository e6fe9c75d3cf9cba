# Sourced by the batch scripts in slurm/: what every joulegrid job does
# around its launch line. Not a batch script of its own.
#
#   study_prepare NAME      sets $results (the job's folder), $file, $log and
#                           the array run_args=(run SPEC -o FILE [--resume] …)
#   study_launch CMD…       runs the launch line in the background, logs it,
#                           passes the time-limit warning (USR1) and scancel's
#                           TERM on to it, and ends the job: exit 0 when the
#                           study is complete; on exit 3 after the warning,
#                           requeues the job, which resumes in its next
#                           allocation; otherwise joulegrid's exit code.
#
# Environment (all optional):
#   JOULEGRID_SPEC            the study file (each batch script sets a default)
#   JOULEGRID_RESULTS         the job's folder (default results/JOBNAME-JOBID);
#                             point a new job at an old folder to continue it
#   JOULEGRID_DRAIN_SECONDS   how long running cells may finish after the
#                             warning (default 120; keep it under the
#                             --signal lead time minus a minute)
#   JOULEGRID_MAX_REQUEUES    give up requeueing after this many (default 20)
#   JOULEGRID_LOG_LEVEL       trace|debug|info|warn|error (default info)

study_say() { echo "joulegrid job ${SLURM_JOB_ID:-?}: $*"; }

study_prepare() {  # NAME
  cd "${SLURM_SUBMIT_DIR:-.}" || exit 1
  spec=${JOULEGRID_SPEC:?set JOULEGRID_SPEC in the batch script}
  results=${JOULEGRID_RESULTS:-results/${1:-${SLURM_JOB_NAME:-joulegrid}}-${SLURM_JOB_ID:-local}}
  file=${JOULEGRID_RESULTS_FILE:-$results/results.h5}
  log=$results/joulegrid.log
  mkdir -p "$results" "$(dirname "$file")"
  [[ -f $spec ]] || { study_say "no study file $spec (set JOULEGRID_SPEC)"; exit 2; }

  export SPDLOG_LEVEL=${JOULEGRID_LOG_LEVEL:-${SPDLOG_LEVEL:-info}}
  export CUDA_DEVICE_ORDER=PCI_BUS_ID   # CUDA's numbering = nvidia-smi's = NVML's
  run_args=(run "$spec" -o "$file" --drain-seconds "${JOULEGRID_DRAIN_SECONDS:-120}")
  # A requeued job, or a new job pointed at an old folder, continues the study.
  if [[ -e $file ]]; then
    run_args+=(--resume)
    study_say "resuming $file (allocation $(( ${SLURM_RESTART_COUNT:-0} + 1 )))"
  else
    study_say "starting $spec -> $file"
  fi
}

study_launch() {  # CMD…
  local warned=0 cancelled=0 pid status
  on_warning() { warned=1; study_say "time limit near: draining (SIGUSR1 to rank 0)"; kill -USR1 "$pid" 2>/dev/null; }
  on_cancel() { cancelled=1; study_say "cancelled: draining"; kill -TERM "$pid" 2>/dev/null; }
  trap on_warning USR1
  trap on_cancel TERM INT

  echo "--- $(date -u +%FT%TZ) job ${SLURM_JOB_ID:-?} allocation $(( ${SLURM_RESTART_COUNT:-0} + 1 )): $*" >> "$log"
  "$@" > >(tee -a "$log") 2>&1 &
  pid=$!
  # A trapped signal interrupts `wait`; wait again until the launch line ends.
  while true; do
    wait "$pid"
    status=$?
    if (( status > 128 )) && kill -0 "$pid" 2>/dev/null; then continue; fi
    break
  done
  if (( status > 128 )); then  # the signal raced the end: ask for the real status once more
    wait "$pid" 2>/dev/null
    local again=$?
    (( again != 127 )) && status=$again
  fi
  trap - USR1 TERM INT

  case $status in
    0)
      study_say "study complete: $file"
      study_say "report: joulegrid report $file" ;;
    3)
      if (( warned && ! cancelled )) && (( ${SLURM_RESTART_COUNT:-0} < ${JOULEGRID_MAX_REQUEUES:-20} )); then
        study_say "stopped before the time limit; requeueing to resume $file"
        scontrol requeue "$SLURM_JOB_ID"
      else
        study_say "stopped with the study incomplete; to continue:" \
                  "JOULEGRID_RESULTS=$results sbatch $(scontrol show job "${SLURM_JOB_ID:-0}" 2>/dev/null |
                                                        sed -n 's/.*Command=//p' | head -n 1)"
      fi ;;
    *)
      study_say "joulegrid exited $status; see $log" ;;
  esac
  return "$status"
}
