import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { PlanLock } from './PlanLock';
import { RenderStatus } from './RenderStatus';
import { LineChart } from './LineChart';

describe('RenderStatus', () => {
  it('shows the state, a labelled progress bar and the stage while a render runs', () => {
    render(<RenderStatus render={{ id: 'r1', state: 'running', progress: 0.426, stage: 'encode' }} />);
    expect(screen.getByText('running')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Render progress 43%' })).toHaveAttribute('aria-valuenow', '43');
    expect(screen.getByText('43% · encode')).toBeInTheDocument();
  });

  it('shows only the state once the render is over', () => {
    render(<RenderStatus render={{ id: 'r1', state: 'succeeded', progress: 1 }} />);
    expect(screen.getByText('succeeded')).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).toBeNull();
  });
});

describe('PlanLock', () => {
  it('names the plan that unlocks an option', () => {
    render(<PlanLock unlockedBy="pro"><button disabled>CSV batch</button></PlanLock>);
    expect(screen.getByRole('button', { name: 'CSV batch' })).toBeDisabled();
    expect(screen.getByText('Available on Pro and above')).toBeInTheDocument();
  });

  it('adds nothing when the plan already includes it', () => {
    render(<PlanLock unlockedBy={null}><span>option</span></PlanLock>);
    expect(screen.queryByText(/Available on/)).toBeNull();
  });
});

describe('LineChart', () => {
  it('describes its data for screen readers', () => {
    render(<LineChart title="Renders per hour" labels={['10:00', '11:00']} series={[{ name: 'succeeded', color: '#000', values: [2, 5] }]} />);
    expect(screen.getByRole('img', { name: 'Renders per hour. succeeded: latest 5, peak 5' })).toBeInTheDocument();
  });
});
