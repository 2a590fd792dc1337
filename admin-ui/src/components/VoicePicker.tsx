/**
 * Voice select with a sample: the chosen voice reads its sentence (GET /v1/voices/:id/sample).
 * `auto` (first, the default) lets the render pick a voice of the script's language.
 */
import { AUTO_VOICE } from '@cutline/contract';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import {
  Box,
  Button,
  Chip,
  FormControl,
  FormHelperText,
  InputLabel,
  ListSubheader,
  MenuItem,
  Select,
} from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { api, errorMessage } from '../api/http';
import type { Voice } from '../api/queries';

export function VoicePicker({
  voices,
  value,
  onChange,
  error,
}: {
  voices: Voice[];
  value: string;
  onChange: (id: string) => void;
  error?: string | undefined;
}) {
  const [playing, setPlaying] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const audio = useRef<HTMLAudioElement | null>(null);
  useEffect(() => () => audio.current?.pause(), []);
  const play = async () => {
    setProblem(null);
    setPlaying(true);
    try {
      const { data } = await api<Blob>(`/v1/voices/${encodeURIComponent(value)}/sample`);
      audio.current?.pause();
      audio.current = new Audio(URL.createObjectURL(data));
      audio.current.onended = () => setPlaying(false);
      await audio.current.play().catch(() => setPlaying(false));
    } catch (err) {
      setProblem(errorMessage(err));
      setPlaying(false);
    }
  };
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }}>
      <FormControl sx={{ minWidth: 260, flex: 1 }} error={Boolean(error ?? problem)}>
        <InputLabel id="voice-label">Voice</InputLabel>
        <Select
          labelId="voice-label"
          label="Voice"
          value={value === AUTO_VOICE || voices.some((v) => v.id === value) ? value : ''}
          onChange={(e) => onChange(String(e.target.value))}
        >
          <MenuItem value={AUTO_VOICE}>Automatic: a voice of the script's language</MenuItem>
          {byLanguage(voices).flatMap(([language, group]) => [
            <ListSubheader key={`language-${language}`}>{languageName(language)}</ListSubheader>,
            ...group.map((v) => (
              <MenuItem key={v.id} value={v.id}>
                {v.label} · {v.language}
                {v.neural && <Chip size="small" label="neural" color="primary" variant="outlined" sx={{ ml: 1 }} />}
              </MenuItem>
            )),
          ])}
        </Select>
        {(error ?? problem) && <FormHelperText>{error ?? problem}</FormHelperText>}
      </FormControl>
      <Button
        onClick={() => void play()}
        disabled={!value || value === AUTO_VOICE || playing}
        startIcon={<PlayArrowIcon />}
        sx={{ mt: 1 }}
      >
        {playing ? 'Playing…' : 'Hear sample'}
      </Button>
    </Box>
  );
}

/** The language's name in English (`ja` → Japanese), or the code where the browser has none. */
export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** Voices grouped by base language (en-US and en-GB together), neural ones first in each group. */
function byLanguage(voices: Voice[]): Array<[string, Voice[]]> {
  const groups = new Map<string, Voice[]>();
  for (const voice of voices) {
    const base = voice.language.split(/[-_]/)[0]!.toLowerCase();
    groups.set(base, [...(groups.get(base) ?? []), voice]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => languageName(a).localeCompare(languageName(b)))
    .map(([language, group]) => [language, [...group].sort((a, b) => Number(b.neural) - Number(a.neural))]);
}
