/** Quick access to the projects worked on last. */
import { Button, Card, CardContent, List, ListItem, ListItemButton, ListItemText, Typography } from '@mui/material';
import { useGetList } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { formatDate } from '../lib/format';

export function RecentProjects() {
  const projects = useGetList<{ id: string; name: string; updatedAt: string; counts: { renders: number } }>(
    'projects',
    { pagination: { page: 1, perPage: 5 }, sort: { field: 'updatedAt', order: 'DESC' }, filter: { archived: false } },
  );
  return (
    <Card sx={{ mt: 2 }}>
      <CardContent>
        <Typography variant="h6" component="h2">
          Projects
        </Typography>
        {projects.data?.length === 0 && (
          <Typography color="text.secondary">Group a client’s or campaign’s videos in a project.</Typography>
        )}
        <List aria-label="Recent projects">
          {projects.data?.map((p) => (
            <ListItem key={p.id} disablePadding>
              <ListItemButton component={RouterLink} to={`/projects/${p.id}/show`}>
                <ListItemText primary={p.name} secondary={`${p.counts.renders} renders · ${formatDate(p.updatedAt)}`} />
              </ListItemButton>
            </ListItem>
          ))}
        </List>
        <Button component={RouterLink} to="/projects">
          All projects
        </Button>
        <Button component={RouterLink} to="/projects/create">
          New project
        </Button>
      </CardContent>
    </Card>
  );
}
