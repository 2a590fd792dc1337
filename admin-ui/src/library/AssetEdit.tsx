/** Filing an upload: its name, its project and its tags. */
import { Edit, ReferenceInput, required, SelectInput, SimpleForm, TextInput } from 'react-admin';

/** Tags travel as a list; people type them separated by commas. */
const toText = (tags: unknown) => (Array.isArray(tags) ? tags.join(', ') : '');
const toList = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

export function AssetEdit() {
  return (
    <Edit title="File the upload" redirect="list" mutationMode="pessimistic">
      <SimpleForm>
        <TextInput source="filename" label="Name" validate={required()} fullWidth />
        <ReferenceInput source="projectId" reference="projects" filter={{ archived: false }}>
          <SelectInput label="Project" optionText="name" emptyText="No project" parse={(v: string) => v || null} />
        </ReferenceInput>
        <TextInput
          source="tags"
          format={toText}
          parse={toList}
          fullWidth
          helperText="Separated by commas, e.g. client a, summer"
        />
      </SimpleForm>
    </Edit>
  );
}
