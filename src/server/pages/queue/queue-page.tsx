/**
 * The queue dashboard: unfinished jobs by state and priority, how long recent jobs took in each
 * phase, the workers and what they hold (administrators), and recent failures with their causes.
 * Everything comes from `Platform.getQueueOverview`, whose rule decides what the viewer sees.
 * htmx re-reads the page every few seconds and swaps the live part; without JavaScript a link
 * refreshes it.
 */
import type { JobPriority } from '../../../platform/model.ts';
import { QUEUE_STATES, type QueueOverview, type QueueState, type TimingStat } from '../../../platform/queue-overview.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { CourseStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { formatDuration } from '../../web/staff-result.tsx';

/** How often the page re-reads itself (htmx `every`). */
export const REFRESH_SECONDS = 5;

const PRIORITIES: readonly JobPriority[] = ['student', 'author-test', 'bulk'];
const STATE_WORDS: Record<QueueState, string> = {
  waiting: 'waiting to be claimed',
  'retry-wait': 'waiting to retry after a system error',
  claimed: 'claimed by a worker',
  preparing: 'preparing (files, image)',
  running: 'running the grader',
  reporting: 'saving the result',
};

function CountsTable(props: { overview: QueueOverview }): JSX.Element {
  const count = (state: QueueState, priority: JobPriority): number =>
    props.overview.counts.find((cell) => cell.state === state && cell.priority === priority)?.jobs ?? 0;
  const total = props.overview.counts.reduce((n, cell) => n + cell.jobs, 0);
  return (
    <div class="table-wrap">
      <table class="numbers">
        <caption safe>{`Jobs not finished: ${total}`}</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            {PRIORITIES.map((priority) => (
              <th scope="col">{priority}</th>
            ))}
            <th scope="col">All</th>
          </tr>
        </thead>
        <tbody>
          {QUEUE_STATES.map((state) => (
            <tr>
              <th scope="row" safe>{STATE_WORDS[state]}</th>
              {PRIORITIES.map((priority) => (
                <td safe>{String(count(state, priority))}</td>
              ))}
              <td safe>{String(PRIORITIES.reduce((n, priority) => n + count(state, priority), 0))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TimingsTable(props: { overview: QueueOverview }): JSX.Element {
  const { timings } = props.overview;
  const rows: Array<[string, TimingStat]> = [
    ['Wait (queued → claimed)', timings.wait],
    ['Prepare (files and image)', timings.prepare],
    ['Run (the grader)', timings.run],
    ['Report (result stored)', timings.report],
  ];
  const ms = (value: number | null): string => (value === null ? '—' : formatDuration(value));
  return (
    <div class="table-wrap">
      <table class="numbers">
        <caption safe>{`Over the ${timings.jobs} job(s) finished since ${timings.since.slice(0, 16).replace('T', ' ')} UTC`}</caption>
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">Jobs</th>
            <th scope="col">Median</th>
            <th scope="col">95th percentile</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, stat]) => (
            <tr>
              <th scope="row" safe>{name}</th>
              <td safe>{String(stat.count)}</td>
              <td safe>{ms(stat.medianMs)}</td>
              <td safe>{ms(stat.p95Ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function WorkersTable(props: { workers: NonNullable<QueueOverview['workers']> }): JSX.Element {
  if (props.workers.length === 0) return <p class="muted">No worker has announced itself lately, and none holds a job.</p>;
  return (
    <div class="table-wrap">
      <table class="workers">
        <caption>Workers: their slots and what their jobs hold now</caption>
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">Jobs / slots</th>
            <th scope="col">CPUs reserved / capacity</th>
            <th scope="col">Memory reserved / capacity</th>
            <th scope="col">Last seen</th>
            <th scope="col">Lease until</th>
          </tr>
        </thead>
        <tbody>
          {props.workers.map((worker) => (
            <tr>
              <th scope="row">
                <code safe>{worker.workerId}</code>
                {worker.expired && <span class="status failed"> not heard from: probably gone</span>}
              </th>
              <td safe>{`${worker.jobs} / ${worker.slots ?? '?'}`}</td>
              <td safe>{`${worker.cpus} / ${worker.capacity?.cpus ?? '?'}`}</td>
              <td safe>{`${worker.memoryMiB} / ${worker.capacity === null ? '?' : worker.capacity.memoryMiB} MiB`}</td>
              <td>{worker.seenAt === null ? <span class="muted">never announced</span> : <Time iso={worker.seenAt} />}</td>
              <td>{worker.leaseUntil === null ? <span class="muted">holds no job</span> : <Time iso={worker.leaseUntil} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FailedTable(props: { overview: QueueOverview }): JSX.Element {
  const { failed } = props.overview;
  if (failed.length === 0) return <p class="muted">No failed job.</p>;
  return (
    <div class="table-wrap">
      <table class="failed-jobs">
        <caption safe>{`The ${failed.length} newest failures`}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Status</th>
            <th scope="col">Cause</th>
            <th scope="col">Where</th>
            <th scope="col">Student</th>
            <th scope="col">Job</th>
          </tr>
        </thead>
        <tbody>
          {failed.map((job) => (
            <tr>
              <td>
                <Time iso={job.at} />
              </td>
              <td class={`status ${job.status === 'system-error' ? 'failed' : job.status}`}>{job.status}</td>
              <td class="cause" safe>{job.cause.length > 500 ? `${job.cause.slice(0, 500)}…` : job.cause}</td>
              <td safe>{`${job.courseId} / ${job.assignmentId} / ${job.partId}`}</td>
              <td safe>{job.login}</td>
              <td>
                <a href={`${staffPaths.submission(job.submissionId)}#job-${encodeURIComponent(job.jobId)}`} safe>{job.jobId}</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The part htmx swaps every few seconds. */
export function QueueLive(props: { overview: QueueOverview; url: string }): JSX.Element {
  const { overview } = props;
  return (
    <div id="queue-live" hx-get={props.url} hx-trigger={`every ${REFRESH_SECONDS}s`} hx-select="#queue-live" hx-swap="outerHTML">
      <p class="muted">
        As of <Time iso={overview.at} />. This page updates itself every {REFRESH_SECONDS} seconds; <a href={props.url}>refresh</a> by hand without JavaScript.
      </p>
      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading">Jobs by state and priority</h2>
        <CountsTable overview={overview} />
      </section>
      <section aria-labelledby="timings-heading">
        <h2 id="timings-heading">How long jobs took</h2>
        <TimingsTable overview={overview} />
      </section>
      {overview.workers !== null && (
        <section aria-labelledby="workers-heading">
          <h2 id="workers-heading">Workers</h2>
          <p class="muted">Each worker announces itself every few seconds while it runs, and renews the leases of the jobs it holds. One not heard from for a minute is marked as probably gone; its jobs are handed out again when their leases run out.</p>
          <WorkersTable workers={overview.workers} />
        </section>
      )}
      <section aria-labelledby="failed-heading">
        <h2 id="failed-heading">Failed jobs</h2>
        <p class="muted">Results with grader errors, timeouts and exceeded limits, and jobs given back by a worker after a system error (retried).</p>
        <FailedTable overview={overview} />
      </section>
    </div>
  );
}

export interface QueueView {
  ctx: PageContext;
  overview: QueueOverview;
  /** The course's page; null: every course (administrators). */
  course: { id: string; title: string } | null;
  /** Administrators on the all-courses page: links to each course's queue. */
  courses: Array<{ id: string; title: string }>;
}

export function QueuePage(view: QueueView): JSX.Element {
  const url = view.course === null ? staffPaths.queue() : staffPaths.courseQueue(view.course.id);
  const title = view.course === null ? 'Grading queue: every course' : `Grading queue: ${view.course.title}`;
  return (
    <Layout ctx={view.ctx} title={title} htmx wide>
      {view.course !== null && <CourseStaffNav course={view.course.id} current="queue" />}
      <h1 safe>{title}</h1>
      <QueueLive overview={view.overview} url={url} />
      {view.courses.length > 0 && (
        <nav aria-labelledby="course-queues-heading">
          <h2 id="course-queues-heading">Each course’s queue</h2>
          <ul>
            {view.courses.map((course) => (
              <li>
                <a href={staffPaths.courseQueue(course.id)} safe>{course.title}</a>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </Layout>
  );
}
