import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { PlanLock } from './PlanLock';
import { RenderStatus } from './RenderStatus';
import { LineChart } from './LineChart';
import { StyleGallery } from './StyleGallery';
import { VoicePicker } from './VoicePicker';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';

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
    render(
      <PlanLock unlockedBy="pro">
        <button disabled>CSV batch</button>
      </PlanLock>,
    );
    expect(screen.getByRole('button', { name: 'CSV batch' })).toBeDisabled();
    expect(screen.getByText('Available on Pro and above')).toBeInTheDocument();
  });

  it('adds nothing when the plan already includes it', () => {
    render(
      <PlanLock unlockedBy={null}>
        <span>option</span>
      </PlanLock>,
    );
    expect(screen.queryByText(/Available on/)).toBeNull();
  });
});

describe('LineChart', () => {
  it('describes its data for screen readers', () => {
    render(
      <LineChart
        title="Renders per hour"
        labels={['10:00', '11:00']}
        series={[{ name: 'succeeded', color: '#000', values: [2, 5] }]}
      />,
    );
    expect(screen.getByRole('img', { name: 'Renders per hour. succeeded: latest 5, peak 5' })).toBeInTheDocument();
  });
});

describe('StyleGallery', () => {
  function Gallery() {
    const [value, setValue] = useState('pill');
    const styles = ['clean', 'pill', 'karaoke'].map((id) => ({
      id,
      label: id.toUpperCase(),
      description: `${id} style`,
    }));
    return <StyleGallery styles={styles} value={value} onChange={setValue} assetId={undefined} aspect="9:16" />;
  }

  it('is one Tab stop; arrow keys, Home and End move the choice and the focus', async () => {
    render(<Gallery />);
    const user = userEvent.setup();
    await user.tab();
    expect(screen.getByRole('radio', { name: /^PILL/ })).toHaveFocus();
    expect(screen.getAllByRole('radio').map((r) => r.getAttribute('tabindex'))).toEqual(['-1', '0', '-1']);
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('radio', { name: /^KARAOKE/ })).toHaveFocus();
    expect(screen.getByRole('radio', { name: /^KARAOKE/ })).toHaveAttribute('aria-checked', 'true');
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('radio', { name: /^CLEAN/ })).toHaveAttribute('aria-checked', 'true');
    await user.keyboard('{End}');
    expect(screen.getByRole('radio', { name: /^KARAOKE/ })).toHaveFocus();
    await user.keyboard('{Home}{ArrowLeft}');
    expect(screen.getByRole('radio', { name: /^KARAOKE/ })).toHaveAttribute('aria-checked', 'true');
  });
});

describe('VoicePicker', () => {
  const voice = (id: string, language: string, neural: boolean) => ({
    id,
    engine: id.split(':')[0]!,
    language,
    label: id,
    gender: 'neutral',
    sampleText: 'Hello.',
    neural,
  });

  it('offers Automatic first, groups voices by language and marks the neural ones', async () => {
    const voices = [
      voice('espeak:ja', 'ja', false),
      voice('espeak:en-us', 'en-US', false),
      voice('piper:en_US-joe-medium', 'en-US', true),
    ];
    render(<VoicePicker voices={voices} value="auto" onChange={() => undefined} />);
    expect(screen.getByRole('button', { name: /hear sample/i })).toBeDisabled();
    await userEvent.click(screen.getByRole('combobox', { name: 'Voice' }));
    const items = screen.getAllByRole('option').map((o) => o.textContent);
    // Automatic, then English before Japanese, the neural voice first among the English ones.
    expect(items).toEqual([
      expect.stringMatching(/^Automatic/),
      'English',
      expect.stringMatching(/^piper:en_US-joe-medium.*neural$/),
      expect.stringMatching(/^espeak:en-us/),
      'Japanese',
      expect.stringMatching(/^espeak:ja/),
    ]);
  });
});
