/**
 * The library: every upload with its kind, project, tags, uploader, size, length, dimensions
 * and expiry; filters, search and sort; reuse one for a new video, or delete it now.
 */
import MovieIcon from '@mui/icons-material/MovieCreation';
import { Button, Chip, Stack } from '@mui/material';
import {
  Datagrid,
  DateField,
  DeleteButton,
  EditButton,
  FunctionField,
  List,
  ReferenceField,
  ReferenceInput,
  SearchInput,
  SelectInput,
  TextField,
  TextInput,
  type RaRecord,
} from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { formatBytes, formatSeconds } from '../lib/format';

const KINDS = ['video', 'image', 'logo', 'music'].map((id) => ({ id, name: id }));
const STATUSES = ['ready', 'uploading', 'rejected'].map((id) => ({ id, name: id }));

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Search file names" />,
  <ReferenceInput key="projectId" source="projectId" reference="projects" alwaysOn>
    <SelectInput label="Project" optionText="name" />
  </ReferenceInput>,
  <TextInput key="tag" source="tag" label="Tag" alwaysOn />,
  <SelectInput key="kind" source="kind" choices={KINDS} />,
  <SelectInput key="status" source="status" choices={STATUSES} />,
];

function Tags({ record }: { record: RaRecord }) {
  const tags = (record.tags as string[] | undefined) ?? [];
  return (
    <Stack direction="row" spacing={0.5} sx={{ flexWrap: 'wrap' }}>
      {tags.map((t) => (
        <Chip key={t} size="small" label={t} />
      ))}
    </Stack>
  );
}

function Reuse({ record }: { record: RaRecord }) {
  if (record.kind !== 'video' || record.status !== 'ready') return null;
  return (
    <Button
      size="small"
      component={RouterLink}
      to={`/new?asset=${encodeURIComponent(String(record.id))}`}
      startIcon={<MovieIcon />}
      onClick={(e) => e.stopPropagation()}
    >
      New video
    </Button>
  );
}

export function AssetList() {
  return (
    <List title="Library" filters={filters} sort={{ field: 'createdAt', order: 'DESC' }} empty={false}>
      <Datagrid rowClick={false} bulkActionButtons={false}>
        <TextField source="filename" label="File" />
        <TextField source="kind" sortable={false} />
        <ReferenceField source="projectId" reference="projects" sortable={false} emptyText="—">
          <TextField source="name" />
        </ReferenceField>
        <FunctionField label="Tags" sortable={false} render={(r: RaRecord) => <Tags record={r} />} />
        <ReferenceField source="uploadedById" reference="members" label="Uploaded by" sortable={false} link={false}>
          <TextField source="name" />
        </ReferenceField>
        <FunctionField label="Size" sortBy="sizeBytes" render={(r: RaRecord) => formatBytes(r.sizeBytes as number)} />
        <FunctionField
          label="Length"
          sortBy="durationSeconds"
          render={(r: RaRecord) => formatSeconds(r.durationSeconds as number | null)}
        />
        <FunctionField
          label="Dimensions"
          sortable={false}
          render={(r: RaRecord) => (r.width ? `${String(r.width)}×${String(r.height)}` : '—')}
        />
        <DateField source="createdAt" label="Uploaded" showTime />
        <DateField source="expiresAt" label="Expires" showTime />
        <FunctionField label="" render={(r: RaRecord) => <Reuse record={r} />} />
        <EditButton label="Edit" />
        <DeleteButton mutationMode="pessimistic" confirmTitle="Delete this upload now?" />
      </Datagrid>
    </List>
  );
}
