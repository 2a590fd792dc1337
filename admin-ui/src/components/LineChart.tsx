/** A small accessible SVG line chart (no chart library): one or more series over time. */
import { Box, Typography } from '@mui/material';

export interface Series {
  name: string;
  color: string;
  values: Array<number | null>;
}

export function LineChart({
  title,
  labels,
  series,
  height = 160,
  unit = '',
}: {
  title: string;
  labels: string[];
  series: Series[];
  height?: number;
  unit?: string;
}) {
  const width = 600;
  const pad = 28;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(1, ...all);
  const x = (i: number) => pad + (i * (width - 2 * pad)) / Math.max(1, labels.length - 1);
  const y = (v: number) => height - pad - (v / max) * (height - 2 * pad);
  const summary = series
    .map(
      (s) =>
        `${s.name}: latest ${s.values.at(-1) ?? 'none'}${unit}, peak ${Math.max(0, ...s.values.filter((v): v is number => v !== null))}${unit}`,
    )
    .join('; ');
  return (
    <Box component="figure" sx={{ m: 0 }}>
      <Typography component="figcaption" variant="subtitle2">
        {title}
      </Typography>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`${title}. ${summary}`}>
        <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} stroke="#999" />
        <text x={4} y={pad} fontSize="11" fill="#555">
          {max}
          {unit}
        </text>
        <text x={4} y={height - pad} fontSize="11" fill="#555">
          0
        </text>
        {labels.length > 0 && (
          <text x={pad} y={height - 8} fontSize="11" fill="#555">
            {labels[0]}
          </text>
        )}
        {labels.length > 1 && (
          <text x={width - pad} y={height - 8} fontSize="11" fill="#555" textAnchor="end">
            {labels.at(-1)}
          </text>
        )}
        {series.map((s) => {
          const points = s.values
            .map((v, i) => (v === null ? null : `${x(i)},${y(v)}`))
            .filter(Boolean)
            .join(' ');
          return (
            <g key={s.name}>
              <polyline points={points} fill="none" stroke={s.color} strokeWidth={2} />
              {/* Dots, so a lone hour with data still shows. */}
              {s.values.map((v, i) =>
                v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r={3} fill={s.color} />,
              )}
            </g>
          );
        })}
      </svg>
      <Box sx={{ display: 'flex', gap: 2 }}>
        {series.map((s) => (
          <Typography key={s.name} variant="caption" sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
            <Box component="span" sx={{ width: 12, height: 3, bgcolor: s.color, display: 'inline-block' }} /> {s.name}
          </Typography>
        ))}
      </Box>
    </Box>
  );
}
