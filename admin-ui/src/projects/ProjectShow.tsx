/** One project: what it holds (renders, uploads), what happened in it, and a new video into it. */
import AddIcon from '@mui/icons-material/Add';
import { Button, Chip, Typography } from '@mui/material';
import {
  Datagrid,
  DateField,
  EditButton,
  FunctionField,
  Pagination,
  ReferenceManyField,
  Show,
  TabbedShowLayout,
  TextField,
  TopToolbar,
  useRecordContext,
  type RaRecord,
} from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { RenderStatusField } from '../components/RenderStatus';
import { formatBytes, formatSeconds } from '../lib/format';

function Actions() {
  const project = useRecordContext();
  return (
    <TopToolbar>
      {project && !project.archived && (
        <Button
          component={RouterLink}
          to={`/new?project=${encodeURIComponent(String(project.id))}`}
          variant="contained"
          startIcon={<AddIcon />}
        >
          New video in this project
        </Button>
      )}
      <EditButton />
    </TopToolbar>
  );
}

function Heading() {
  const project = useRecordContext();
  if (!project) return null;
  return (
    <>
      <Typography variant="h5" component="h1">
        {project.name as string} {project.archived ? <Chip size="small" label="Archived" /> : null}
      </Typography>
      {project.description ? (
        <Typography variant="body2" color="text.secondary" sx={{ whiteSpace: 'pre-wrap' }}>
          {project.description as string}
        </Typography>
      ) : null}
    </>
  );
}

export function ProjectShow() {
  return (
    <Show actions={<Actions />} title="Project">
      <TabbedShowLayout>
        <TabbedShowLayout.Tab label="Renders">
          <Heading />
          <ReferenceManyField
            reference="renders"
            target="projectId"
            sort={{ field: 'queuedAt', order: 'DESC' }}
            pagination={<Pagination />}
          >
            <Datagrid rowClick="show" bulkActionButtons={false} empty={<Typography>No renders yet.</Typography>}>
              <FunctionField label="Title" render={(r: RaRecord) => (r.title as string | null) ?? 'Untitled'} />
              <RenderStatusField label="Status" />
              <DateField source="queuedAt" label="Submitted" showTime />
            </Datagrid>
          </ReferenceManyField>
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="Uploads" path="uploads">
          <ReferenceManyField
            reference="assets"
            target="projectId"
            sort={{ field: 'createdAt', order: 'DESC' }}
            pagination={<Pagination />}
          >
            <Datagrid rowClick="edit" bulkActionButtons={false} empty={<Typography>No uploads yet.</Typography>}>
              <TextField source="filename" />
              <TextField source="kind" />
              <FunctionField label="Size" render={(a: RaRecord) => formatBytes(a.sizeBytes as number | null)} />
              <FunctionField
                label="Length"
                render={(a: RaRecord) => formatSeconds(a.durationSeconds as number | null)}
              />
              <DateField source="createdAt" label="Uploaded" showTime />
            </Datagrid>
          </ReferenceManyField>
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="Activity" path="activity">
          <ReferenceManyField
            reference="activity"
            target="projectId"
            sort={{ field: 'createdAt', order: 'DESC' }}
            pagination={<Pagination />}
          >
            <Datagrid bulkActionButtons={false} rowClick={false}>
              <DateField source="createdAt" label="When" showTime />
              <FunctionField label="Who" render={(a: RaRecord) => (a.actorName as string | null) ?? 'Cutline'} />
              <TextField source="action" />
            </Datagrid>
          </ReferenceManyField>
        </TabbedShowLayout.Tab>
      </TabbedShowLayout>
    </Show>
  );
}
