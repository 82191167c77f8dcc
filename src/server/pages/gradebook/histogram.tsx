/**
 * A score histogram as server-rendered SVG: no script, no inline style (bars are classed, coloured
 * by app.css). Accessible three ways: `role="img"` with a text alternative naming every bin, and a
 * table of the same counts below it for those who would rather read numbers.
 */
import { shown, type Bin, type Summary } from './grade-stats.ts';

const WIDTH = 300;
const HEIGHT = 100;
const AXIS = 16;

export function Histogram(props: { id: string; title: string; bins: Bin[] }): JSX.Element {
  const { bins } = props;
  const most = Math.max(1, ...bins.map((b) => b.count));
  const barWidth = WIDTH / bins.length;
  const label = (b: Bin, i: number): string => `${b.from}${i === bins.length - 1 ? ' and above' : `–${b.to}`}`;
  const alt = `${props.title}: ${bins.map((b, i) => `${label(b, i)}: ${b.count}`).join('; ')}`;
  const last = bins.at(-1);
  return (
    <figure class="histogram">
      <figcaption id={`${props.id}-caption`} safe>
        {props.title}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + AXIS}`} role="img" aria-label={alt} width={WIDTH} height={HEIGHT + AXIS}>
        <title safe>{alt}</title>
        {bins.map((b, i) => {
          const h = Math.round((b.count / most) * HEIGHT);
          return <rect class="bar" x={String(i * barWidth + 1)} y={String(HEIGHT - h)} width={String(barWidth - 2)} height={String(h)} />;
        })}
        <line class="axis" x1="0" y1={String(HEIGHT)} x2={String(WIDTH)} y2={String(HEIGHT)} />
        <text x="0" y={String(HEIGHT + AXIS - 3)}>0</text>
        <text x={String(WIDTH)} y={String(HEIGHT + AXIS - 3)} text-anchor="end" safe>
          {String(last?.to ?? '')}
        </text>
      </svg>
      <details>
        <summary safe>{`${props.title} as a table`}</summary>
        <table class="compact">
          <caption safe>{`${props.title}: students per score range`}</caption>
          <thead>
            <tr>
              <th scope="col">Score</th>
              <th scope="col">Students</th>
            </tr>
          </thead>
          <tbody>
            {bins.map((b, i) => (
              <tr>
                <th scope="row" safe>
                  {label(b, i)}
                </th>
                <td>{b.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** One row of the summary statistics table. */
export function SummaryRow(props: { name: string; summary: Summary }): JSX.Element {
  const s = props.summary;
  return (
    <tr>
      <th scope="row" safe>
        {props.name}
      </th>
      <td>{s.n}</td>
      <td safe>{shown(s.mean)}</td>
      <td safe>{shown(s.median)}</td>
      <td safe>{shown(s.min)}</td>
      <td safe>{shown(s.max)}</td>
      <td safe>{shown(s.stdev)}</td>
    </tr>
  );
}
