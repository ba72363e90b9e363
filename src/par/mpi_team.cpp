#include "mixbo/par/mpi_team.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "mixbo/core/error.hpp"
#include "mixbo/par/allocator.hpp"

namespace mixbo {
namespace {

using std::chrono::microseconds;

// Message tags on the team's private communicator.
constexpr int kCommandTag = 1;  // rank 0 -> worker: {op, argument}
constexpr int kReportTag = 2;   // worker -> rank 0: ready / result / error, asks for the next task
constexpr int kTaskTag = 3;     // rank 0 -> worker: start index, or -1 = this run is over

constexpr long long kOpRun = 1;       // argument: payload size (then MPI_Bcast of the payload)
constexpr long long kOpShutdown = 2;  // argument: exit code

enum class Report : std::int32_t { kReady = 0, kResult = 1, kError = 2 };

// Waits between MPI_Iprobe polls: a few yields first (answers within microseconds while work
// flows), then sleeps doubling up to `cap`, so a rank parked for hours wakes ~1/cap times a
// second instead of spinning a core as Open MPI's blocking receive does.
class Backoff {
 public:
  explicit Backoff(microseconds cap) : cap_(cap) {}
  void reset() {
    spins_ = 0;
    sleep_ = microseconds(10);
  }
  void wait() {
    if (spins_ < 64) {
      ++spins_;
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(sleep_);
    sleep_ = std::min(cap_, sleep_ * 2);
  }

 private:
  microseconds cap_;
  int spins_ = 0;
  microseconds sleep_{10};
};

constexpr microseconds kServeSleepMax(200);  // rank 0 while a run is in progress
constexpr microseconds kIdleSleepMax(MpiTeam::kIdleSleepMaxMs * 1000);

// Polls for a message from `source` with `tag`; returns its status once one is there.
MPI_Status wait_for_message(MPI_Comm comm, int source, int tag, microseconds cap) {
  Backoff backoff(cap);
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(source, tag, comm, &flag, &st);
    if (flag) return st;
    backoff.wait();
  }
}

void put_result(ByteWriter& w, const StartResult& r) {
  w.put(r.x);
  w.put<double>(r.value);
  w.put<std::int32_t>(r.iterations);
  w.put<std::int32_t>(r.status);
  w.put(r.error);
}

StartResult get_result(ByteReader& in) {
  StartResult r;
  r.x = in.get_vector();
  r.value = in.get<double>();
  r.iterations = in.get<std::int32_t>();
  r.status = in.get<std::int32_t>();
  r.error = in.get_string();
  return r;
}

// The payload of one run: kind, the problem's bytes, the start points.
std::vector<unsigned char> encode_run(const MultiStartProblem& problem,
                                      const std::vector<Eigen::VectorXd>& starts) {
  ByteWriter p;
  problem.serialize(p);
  ByteWriter w;
  w.put(problem.kind());
  w.put<std::uint64_t>(p.bytes().size());
  w.put_raw(p.bytes().data(), p.bytes().size());
  w.put<std::uint64_t>(starts.size());
  for (const auto& s : starts) w.put(s);
  return w.take();
}

struct DecodedRun {
  std::string kind;
  std::unique_ptr<MultiStartProblem> problem;
  std::vector<Eigen::VectorXd> starts;
};

void decode_run(const std::vector<unsigned char>& payload, DecodedRun& out) {
  ByteReader in(payload);
  out.kind = in.get_string();
  const auto n = in.get<std::uint64_t>();
  std::vector<unsigned char> bytes(n);
  in.get_raw(bytes.data(), n);
  const auto count = in.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < count; ++i) out.starts.push_back(in.get_vector());
  if (!in.done()) throw Error("trailing bytes after the start points");
  ByteReader pr(bytes);
  out.problem = make_problem(out.kind, pr);
  if (!pr.done()) throw Error("problem '" + out.kind + "' left bytes unread when rebuilt");
}

// Rank 0's view of one run, shared by its serving thread and its computing thread.
class RunState {
 public:
  explicit RunState(size_t n) : results_(n), have_(n, 0) {}

  long long take() {
    std::lock_guard lock(m_);
    if (failed_ || next_ >= results_.size()) return -1;
    return static_cast<long long>(next_++);
  }
  void store(size_t i, StartResult r) {
    std::lock_guard lock(m_);
    results_[i] = std::move(r);
    have_[i] = 1;
  }
  void fail(const std::string& why) {
    std::lock_guard lock(m_);
    if (!failed_) error_ = why;
    failed_ = true;
  }
  // After every thread and rank has stopped.
  std::vector<StartResult> finish(const std::string& kind) {
    if (failed_) throw Error(error_);
    for (size_t i = 0; i < have_.size(); ++i)
      if (!have_[i])
        throw Error("multi-start problem '" + kind + "': task " + std::to_string(i) +
                    " never came back");
    return std::move(results_);
  }

 private:
  std::mutex m_;
  std::vector<StartResult> results_;
  std::vector<char> have_;
  size_t next_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace

MpiTeam::MpiTeam(MPI_Comm comm, MpiTeamOptions options) : options_(options) {
  if (comm == MPI_COMM_NULL) return;
  MPI_Comm_dup(comm, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  threads_ok_ = level >= MPI_THREAD_FUNNELED;
}

MpiTeam::~MpiTeam() {
  if (comm_ == MPI_COMM_NULL) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  // A rank 0 that never called shutdown() would leave the workers serving forever.
  if (rank_ == 0 && !shut_down_) shutdown(1);
  MPI_Comm_free(&comm_);
}

std::vector<StartResult> MpiTeam::run(const MultiStartProblem& problem,
                                      const std::vector<Eigen::VectorXd>& starts) {
  if (rank_ != 0) throw Error("MpiTeam::run called on rank " + std::to_string(rank_));
  if (shut_down_) throw Error("MpiTeam::run called after shutdown");
  if (size_ == 1 || starts.empty()) return SerialTeam().run(problem, starts);

  const std::vector<unsigned char> payload = encode_run(problem, starts);
  if (payload.size() > static_cast<size_t>(INT_MAX))
    throw Error("multi-start problem '" + problem.kind() + "' is too large to broadcast (" +
                std::to_string(payload.size()) + " bytes)");
  long long cmd[2] = {kOpRun, static_cast<long long>(payload.size())};
  for (int r = 1; r < size_; ++r) MPI_Send(cmd, 2, MPI_LONG_LONG, r, kCommandTag, comm_);
  MPI_Bcast(const_cast<unsigned char*>(payload.data()), static_cast<int>(payload.size()), MPI_BYTE,
            0, comm_);

  const std::string kind = problem.kind();
  RunState state(starts.size());
  std::thread local;
  if (options_.root_computes && threads_ok_) {
    // Only this thread computes; the main thread keeps every MPI call (MPI_THREAD_FUNNELED).
    local = std::thread([&] {
      for (long long i; (i = state.take()) >= 0;) {
        try {
          state.store(static_cast<size_t>(i), solve_start(problem, starts[static_cast<size_t>(i)]));
        } catch (const std::exception& e) {
          state.fail(start_failure(kind, i, 0, e.what()));
        } catch (...) {
          state.fail(start_failure(kind, i, 0, "unknown exception"));
        }
      }
    });
  }

  std::vector<long long> assigned(static_cast<size_t>(size_), -1);
  int active = size_ - 1;  // workers not yet told that the run is over
  Backoff backoff(kServeSleepMax);
  std::vector<unsigned char> buf;
  while (active > 0) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kReportTag, comm_, &flag, &st);
    if (!flag) {
      backoff.wait();
      continue;
    }
    backoff.reset();
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    const int src = st.MPI_SOURCE;
    buf.resize(static_cast<size_t>(count));
    MPI_Recv(buf.data(), count, MPI_BYTE, src, kReportTag, comm_, MPI_STATUS_IGNORE);
    try {
      ByteReader in(buf);
      const auto type = static_cast<Report>(in.get<std::int32_t>());
      const auto task = in.get<std::int64_t>();
      if (type != Report::kReady && task != assigned[static_cast<size_t>(src)])
        throw Error("rank " + std::to_string(src) + " reported task " + std::to_string(task) +
                    ", it was given " + std::to_string(assigned[static_cast<size_t>(src)]));
      if (type == Report::kResult)
        state.store(static_cast<size_t>(task), get_result(in));
      else if (type == Report::kError)
        state.fail(in.get_string());
      else if (type != Report::kReady)
        throw Error("rank " + std::to_string(src) + " sent an unknown report");
    } catch (const Error& e) {
      state.fail(std::string("multi-start problem '") + kind + "': " + e.what());
    }
    const long long next = state.take();
    assigned[static_cast<size_t>(src)] = next;
    MPI_Send(&next, 1, MPI_LONG_LONG, src, kTaskTag, comm_);
    if (next < 0) --active;
  }
  if (local.joinable()) local.join();
  return state.finish(kind);
}

void MpiTeam::serve_one_run(long long payload_size) {
  std::vector<unsigned char> payload(static_cast<size_t>(payload_size));
  MPI_Bcast(payload.data(), static_cast<int>(payload_size), MPI_BYTE, 0, comm_);
  DecodedRun run;
  ByteWriter report;
  try {
    decode_run(payload, run);
    report.put<std::int32_t>(static_cast<std::int32_t>(Report::kReady));
    report.put<std::int64_t>(-1);
  } catch (const std::exception& e) {
    report.put<std::int32_t>(static_cast<std::int32_t>(Report::kError));
    report.put<std::int64_t>(-1);
    report.put(std::string("rank ") + std::to_string(rank_) +
               " could not rebuild multi-start problem '" + run.kind + "': " + e.what());
  }
  for (;;) {
    const auto& bytes = report.bytes();
    MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0, kReportTag, comm_);
    long long task = -1;
    // Rank 0 answers within its poll interval. Polled, not a blocking receive: Open MPI's would
    // spin, and on a machine with fewer cores than busy threads that spinning takes the CPU
    // rank 0 needs to answer.
    wait_for_message(comm_, 0, kTaskTag, kServeSleepMax);
    MPI_Recv(&task, 1, MPI_LONG_LONG, 0, kTaskTag, comm_, MPI_STATUS_IGNORE);
    if (task < 0) return;
    report = ByteWriter();
    try {
      if (static_cast<size_t>(task) >= run.starts.size())
        throw Error("start index out of range (" + std::to_string(run.starts.size()) + " starts)");
      const StartResult r = solve_start(*run.problem, run.starts[static_cast<size_t>(task)]);
      report.put<std::int32_t>(static_cast<std::int32_t>(Report::kResult));
      report.put<std::int64_t>(task);
      put_result(report, r);
    } catch (const std::exception& e) {
      report = ByteWriter();
      report.put<std::int32_t>(static_cast<std::int32_t>(Report::kError));
      report.put<std::int64_t>(task);
      report.put(start_failure(run.kind, task, rank_, e.what()));
    }
  }
}

int MpiTeam::serve() {
  if (rank_ == 0) throw Error("MpiTeam::serve called on rank 0");
  for (;;) {
    wait_for_message(comm_, 0, kCommandTag, kIdleSleepMax);
    long long cmd[2] = {0, 0};
    MPI_Recv(cmd, 2, MPI_LONG_LONG, 0, kCommandTag, comm_, MPI_STATUS_IGNORE);
    if (cmd[0] == kOpShutdown) return static_cast<int>(cmd[1]);
    if (cmd[0] != kOpRun) throw Error("MpiTeam: unknown command from rank 0");
    serve_one_run(cmd[1]);
  }
}

void MpiTeam::shutdown(int exit_code) {
  if (rank_ != 0) throw Error("MpiTeam::shutdown called on rank " + std::to_string(rank_));
  if (shut_down_) return;
  shut_down_ = true;
  long long cmd[2] = {kOpShutdown, exit_code};
  for (int r = 1; r < size_; ++r) MPI_Send(cmd, 2, MPI_LONG_LONG, r, kCommandTag, comm_);
}

int run_team(MpiTeam& team, const std::function<int(Team&)>& driver) {
  if (team.rank() != 0) return team.serve();
  int code = 0;
  try {
    code = driver(team);
  } catch (const ConfigError&) {
    team.shutdown(2);
    throw;
  } catch (...) {
    team.shutdown(1);
    throw;
  }
  team.shutdown(code);
  return code;
}

bool launched_by_mpi() {
  for (const char* v :
       {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

int run_team_program(const std::function<int(Team&)>& driver, MpiTeamOptions options) {
  keep_large_allocations();  // before MPI and any thread start
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized && !launched_by_mpi()) {
    MpiTeam team(MPI_COMM_NULL, options);
    return driver(team);
  }
  const bool own = !initialized;
  if (own) {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  }
  int code = 0;
  bool worker = false;
  try {
    MpiTeam team(MPI_COMM_WORLD, options);
    worker = team.rank() != 0;
    code = run_team(team, driver);
  } catch (...) {
    if (own) MPI_Finalize();
    throw;
  }
  if (own) MPI_Finalize();
  // A worker that exits non-zero makes mpiexec kill rank 0, possibly before rank 0 has printed
  // the driver's error; mpiexec's own exit status is rank 0's, so workers exit 0.
  return worker ? 0 : code;
}

}  // namespace mixbo
