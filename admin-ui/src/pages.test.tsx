import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AdminContext, testDataProvider } from 'react-admin';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { saveSession } from './api/session';
import { SignUpPage } from './auth/AuthPages';
import { CsvBatch } from './batches/CsvBatch';

afterEach(() => vi.unstubAllGlobals());

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('SignUpPage', () => {
  it("shows the API's refusal next to the field it names", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json(
          {
            error: {
              code: 'CUTLINE_VALIDATION_FAILED',
              message: 'The request is invalid.',
              details: [{ field: 'password', message: 'must NOT have fewer than 10 characters' }],
            },
          },
          400,
        ),
      ),
    );
    render(
      <MemoryRouter>
        <SignUpPage />
      </MemoryRouter>,
    );
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/Your name/), 'Cora');
    await user.type(screen.getByLabelText(/Email/), 'cora@example.com');
    await user.type(screen.getByLabelText(/^Password/), 'short');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    const password = screen.getByLabelText(/^Password/);
    await waitFor(() => expect(password).toHaveAccessibleDescription('must NOT have fewer than 10 characters'));
    expect(password).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('CsvBatch', () => {
  const VIDEO = '0b6a3f0e-6b7c-4d7e-9a51-1f0c8f1d2e3a';

  it('marks the bad row in the preview and keeps Generate disabled', async () => {
    saveSession({
      accessToken: 'a',
      expiresIn: 900,
      refreshToken: 'r',
      user: { id: 'u', email: 'a@b.c', name: 'A', isPlatformAdmin: false },
      organization: { id: 'o', name: 'O', slug: 'o', plan: 'pro', role: 'owner' },
    });
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url === '/v1/caption-styles') return json([{ id: 'clean', label: 'Clean', description: '' }]);
        if (url === '/v1/voices')
          return json([
            {
              id: 'espeak:en-us',
              engine: 'espeak',
              language: 'en-US',
              label: 'English',
              gender: 'neutral',
              sampleText: '',
            },
          ]);
        throw new Error(`unexpected ${url}`);
      }),
    );
    const dataProvider = testDataProvider({
      getList: async () => ({
        data: [{ id: VIDEO, kind: 'video', status: 'ready', filename: 'beach.mp4', durationSeconds: 4 }] as never[],
        total: 1,
      }),
    });
    render(
      <AdminContext dataProvider={dataProvider}>
        <CsvBatch maxNarrationSeconds={60} />
      </AdminContext>,
    );
    await screen.findByText(/beach\.mp4/);
    const csv = new File([`script,video,style\nGood.,${VIDEO},clean\nBad.,${VIDEO},comic-sans\n`], 'launch.csv', {
      type: 'text/csv',
    });
    await userEvent.setup().upload(screen.getByTestId('csv-file-input'), csv);
    const bad = await screen.findByTestId('csv-row-3');
    expect(bad).toHaveAttribute('data-invalid', 'true');
    expect(bad).toHaveTextContent('style must be one of clean');
    expect(screen.getByTestId('csv-row-2')).toHaveAttribute('data-invalid', 'false');
    expect(screen.getByRole('status')).toHaveTextContent('2 rows, 1 marked');
    expect(screen.getByRole('button', { name: 'Generate 2 videos' })).toBeDisabled();
  });
});
