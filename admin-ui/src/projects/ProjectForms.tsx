/** Creating a project, and renaming, describing or archiving one. */
import { BooleanInput, Create, Edit, maxLength, required, SimpleForm, TextInput } from 'react-admin';

function Fields({ editing }: { editing: boolean }) {
  return (
    <>
      <TextInput source="name" validate={[required(), maxLength(120)]} fullWidth />
      <TextInput
        source="description"
        multiline
        minRows={2}
        validate={maxLength(2000)}
        fullWidth
        helperText="The client, the campaign, what the videos are for"
      />
      {editing && (
        <BooleanInput source="archived" helperText="An archived project keeps its media and takes no new ones" />
      )}
    </>
  );
}

export function ProjectCreate() {
  return (
    <Create title="New project" redirect="show">
      <SimpleForm>
        <Fields editing={false} />
      </SimpleForm>
    </Create>
  );
}

export function ProjectEdit() {
  return (
    <Edit title="Edit project" redirect="show" mutationMode="pessimistic">
      <SimpleForm>
        <Fields editing />
      </SimpleForm>
    </Edit>
  );
}
