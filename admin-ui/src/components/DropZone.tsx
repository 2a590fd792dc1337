/** The dashed area files are dropped on (its buttons and status are the children). */
import { Box } from '@mui/material';
import { useState, type ReactNode } from 'react';

export function DropZone({
  onFiles,
  describedBy,
  children,
}: {
  onFiles: (files: FileList) => void;
  describedBy: string;
  children: ReactNode;
}) {
  const [dragging, setDragging] = useState(false);
  return (
    <Box
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        onFiles(e.dataTransfer.files);
      }}
      sx={{
        border: '2px dashed',
        borderColor: dragging ? 'primary.main' : 'grey.400',
        borderRadius: 2,
        p: 2,
        textAlign: 'center',
        bgcolor: dragging ? 'action.hover' : 'transparent',
      }}
      aria-describedby={describedBy}
    >
      {children}
    </Box>
  );
}
