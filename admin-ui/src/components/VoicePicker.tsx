/**
 * Voice select with a sample: the chosen voice reads its sentence (GET /v1/voices/:id/sample).
 * `auto` (first, the default) lets the render pick a voice of the script's language.
 */
import { AUTO_VOICE } from '@cutline/contract';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import { Box, Button, FormControl, FormHelperText, InputLabel, MenuItem, Select } from '@mui/material';
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
          {voices.map((v) => (
            <MenuItem key={v.id} value={v.id}>
              {v.label} · {v.language} · {v.engine}
            </MenuItem>
          ))}
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
